import { describe, it } from 'vitest';
import { type Batch, disposeParams, logProb, sample, sampleAndLogProb, tf } from '@bijective/core';
import { expectNoLeaks, presetOrThrow } from '@bijective/core/testing';
import { distill, iaf, maf, presets, withBatchNormStatistics } from '../src/index.js';
import { affineAutoregressive, inverseSplineAutoregressive, made } from '../src/layers.js';

// Every public path returns to the tensor count it started from (returned tensors are disposed
// by expectNoLeaks). Masks are Float32Arrays in closures, so building and applying a definition
// allocates nothing that outlives the caller's tidy.
describe('no tensor leaks', () => {
  it('building definitions allocates no tensors; init + dispose returns to baseline', async () => {
    await expectNoLeaks(() => {
      const def = maf({ dim: 3, contextDim: 2, transforms: 2, hidden: [8, 8] });
      const net = made({ dim: 3, paramsPerDim: 2, hidden: [4] });
      disposeParams(def.init(0));
      disposeParams(net.init(0));
    }, 3);
  });

  for (const name of Object.keys(presets))
    for (const contextDim of [0, 2])
      it(`${name} (context ${contextDim}): logProb, sample and sampleAndLogProb`, async () => {
        const def = presetOrThrow(presets, name, {
          dim: 3,
          contextDim,
          transforms: 2,
          hidden: [8, 8],
          bins: 4,
        });
        const params = def.init(0);
        const x = tf.randomNormal([5, 3]) as Batch;
        const c = contextDim > 0 ? (tf.randomNormal([5, contextDim]) as Batch) : undefined;
        await expectNoLeaks(() => logProb(def, params, x, c), 5);
        await expectNoLeaks(
          () => sample(def, params, 5, { seed: 1, ...(c ? { context: c } : {}) }),
          5,
        );
        await expectNoLeaks(
          () => sampleAndLogProb(def, params, 5, { seed: 1, ...(c ? { context: c } : {}) }),
          5,
        );
        // Validation failures must not leak either (array input becomes an owned tensor).
        await expectNoLeaks(() => logProb(def, params, [[1, 2]]), 2);
        tf.dispose([x, ...(c ? [c] : [])]);
        disposeParams(params);
      });

  it('transform directions inside tidy (including the sequential ones)', async () => {
    for (const def of [
      affineAutoregressive({ dim: 4, hidden: [8] }),
      inverseSplineAutoregressive({ dim: 4, hidden: [8], bins: 4 }),
    ]) {
      const params = def.init(0);
      const x = tf.randomNormal([3, 4]) as Batch;
      await expectNoLeaks(
        () =>
          tf.tidy(() => {
            const b = def.apply(params);
            const f = b.forward(x);
            return [f.y, b.inverse(f.y).x];
          }),
        3,
      );
      x.dispose();
      disposeParams(params);
    }
  });

  it('withBatchNormStatistics (array data, including a Left for bad data)', async () => {
    const def = maf({ dim: 2, transforms: 3, hidden: [8], batchNorm: true });
    const params = def.init(0);
    const rows = [
      [0, 1],
      [2, 3],
      [-1, 0.5],
    ];
    await expectNoLeaks(() => withBatchNormStatistics(def, params, rows), 2);
    await expectNoLeaks(() => withBatchNormStatistics(def, params, [[0, 1, 2]]), 2);
    disposeParams(params);
  });

  it('distill', async () => {
    const teacher = maf({ dim: 2, transforms: 1, hidden: [8] });
    const tp = teacher.init(0);
    await expectNoLeaks(
      () =>
        distill(teacher, tp, iaf({ dim: 2, transforms: 2, hidden: [8] }), {
          steps: 3,
          batchSize: 16,
        }),
      2,
    );
    // The forward-KL term (teacher draws each step), the schedule, the log-ratio bound and the warm start.
    await expectNoLeaks(
      () =>
        distill(teacher, tp, iaf({ dim: 2, transforms: 2, hidden: [8] }), {
          steps: 3,
          batchSize: 16,
          forwardWeight: 0.5,
          teacherBatchSize: 8,
          finalLearningRate: 1e-4,
          maxLogRatio: 0.1,
          validation: { samples: 40, every: 2 },
          warmStart: { samples: 32, steps: 2, batchSize: 16 },
        }),
      2,
    );
    // Forward KL alone (α = 1): the reverse estimate is computed outside the gradient.
    await expectNoLeaks(
      () =>
        distill(teacher, tp, iaf({ dim: 2, transforms: 2, hidden: [8] }), {
          steps: 3,
          batchSize: 16,
          forwardWeight: 1,
        }),
      2,
    );
    disposeParams(tp);
  });
});
