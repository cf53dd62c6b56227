import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { chain, disposeParams, DivergedError, fit, fitReverseKL, flow, tf } from '../src/index.js';
import { affineTransform } from '../src/entries/transforms.js';
import { splineTransform } from '../src/entries/spline.js';
import { paramsAreFinite } from '../src/entries/params.js';
import { gaussianData, gaussianFlow } from './fixtures.js';

const def = gaussianFlow;

/** Mean and standard deviation of the fitted model, from its parameters. */
const modelMoments = (p: ReturnType<typeof def.init>) =>
  tf.tidy(() => {
    const t = p.transform;
    const b = p.base;
    // x = inverse(z) = z·exp(logScale) + shift with z ~ N(μ, σ²).
    const scale = tf.exp(t.logScale);
    const mean = tf.add(tf.mul(b.mean, scale), t.shift);
    const std = tf.mul(tf.exp(b.logScale), scale);
    return [Array.from(mean.dataSync()), Array.from(std.dataSync())];
  });

describe('fit (maximum likelihood)', () => {
  it('recovers a known Gaussian mean and scale within 2%', async () => {
    const x = gaussianData(20000, 1);
    const r = await fit(def, x, {
      seed: 0,
      learningRate: 0.03,
      batchSize: 512,
      patience: 3,
      epochs: 40,
    });
    x.dispose();
    if (E.isLeft(r)) throw r.left;
    const [mean, std] = modelMoments(r.right.params);
    expect(Math.abs(mean![0]! - 1)).toBeLessThan(0.02 * 1);
    expect(Math.abs(mean![1]! + 2)).toBeLessThan(0.02 * 2);
    expect(Math.abs(std![0]! - 0.5) / 0.5).toBeLessThan(0.02);
    expect(Math.abs(std![1]! - 3) / 3).toBeLessThan(0.02);
    expect(r.right.history.length).toBeGreaterThan(1);
    expect(r.right.bestValLoss).toBeDefined();
    disposeParams(r.right.params);
  });

  it('is deterministic given a seed', async () => {
    const x = gaussianData(600, 2);
    const run = async () => {
      const r = await fit(def, x, { seed: 5, maxSteps: 20, batchSize: 64 });
      if (E.isLeft(r)) throw r.left;
      const v = Array.from(r.right.params.transform.shift.dataSync());
      disposeParams(r.right.params);
      return v;
    };
    expect(await run()).toEqual(await run());
    x.dispose();
  });

  it('leaks no tensor over 100 steps of training', async () => {
    const x = gaussianData(1000, 3);
    const spline = flow({
      name: 's',
      dim: 2,
      transform: chain(affineTransform(2), splineTransform(2)),
    });
    const before = tf.memory().numTensors;
    const r = await fit(spline, x, { seed: 0, maxSteps: 100, batchSize: 64 });
    if (E.isLeft(r)) throw r.left;
    expect(r.right.steps).toBe(100);
    disposeParams(r.right.params);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('stops early with patience and reports the best epoch', async () => {
    const x = gaussianData(2000, 4);
    const r = await fit(def, x, { seed: 0, learningRate: 0.05, patience: 2, epochs: 500 });
    x.dispose();
    if (E.isLeft(r)) throw r.left;
    expect(r.right.stoppedBy).toBe('patience');
    expect(r.right.history.length).toBe(r.right.bestEpoch + 3);
    disposeParams(r.right.params);
  });

  it('a diverging run stops with DivergedError and the last finite parameters', async () => {
    const before = tf.memory().numTensors;
    const x = gaussianData(2000, 5);
    const r = await fit(def, x, { seed: 0, learningRate: 1e4, epochs: 50, validationFraction: 0 });
    x.dispose();
    expect(E.isLeft(r)).toBe(true);
    if (E.isRight(r)) return;
    expect(r.left).toBeInstanceOf(DivergedError);
    const err = r.left as DivergedError<ReturnType<typeof def.init>>;
    expect(err.kind).toBe('DivergedError');
    expect(err.message).toMatch(/diverged/);
    expect(paramsAreFinite(err.lastGoodParams)).toBe(true);
    disposeParams(err.lastGoodParams);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a computation that throws mid-training becomes a ComputationError and leaks nothing', async () => {
    const inner = affineTransform(2);
    let calls = 0;
    const flaky = flow({
      name: 'flaky',
      dim: 2,
      transform: {
        init: inner.init,
        apply: (p) => {
          if (++calls > 5) throw new Error("Kernel 'Imaginary' not registered");
          return inner.apply(p);
        },
      },
    });
    const before = tf.memory().numTensors;
    const x = gaussianData(500, 6);
    const r = await fit(flaky, x, { seed: 0, batchSize: 50, validationFraction: 0 });
    x.dispose();
    expect(E.isLeft(r) && r.left.kind).toBe('ComputationError');
    expect(E.isLeft(r) && r.left.message).toMatch(/training failed at step 5: Kernel 'Imaginary'/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad data and options with typed errors', async () => {
    const bad = await fit(def, [[1, 2, 3]], {});
    expect(E.isLeft(bad) && bad.left.kind).toBe('ShapeError');
    const nan = await fit(def, [[1, NaN]], {});
    expect(E.isLeft(nan) && nan.left.kind).toBe('ValueError');
    const bs = await fit(def, [[1, 2]], { batchSize: 0 });
    expect(E.isLeft(bs) && bs.left.message).toMatch(/batchSize/);
  });
});

describe('fitReverseKL (variational inference)', () => {
  it('fits a Gaussian target: KL estimate falls to about zero', async () => {
    // log p̃(x) = log N(x; (2, -1), diag(0.5², 1.5²)) + 7 (unnormalized: log Z = 7).
    const target = (x: tf.Tensor2D) =>
      tf.tidy(() => {
        const z = tf.div(tf.sub(x, [2, -1]), [0.5, 1.5]);
        return tf.add(
          tf.sum(tf.mul(-0.5, tf.square(z)), 1),
          7 - Math.log(2 * Math.PI * 0.75),
        ) as tf.Tensor1D;
      });
    const q = flow({ name: 'q', dim: 2, transform: affineTransform(2) });
    const before = tf.memory().numTensors;
    const r = await fitReverseKL(q, target, {
      steps: 400,
      batchSize: 128,
      learningRate: 0.03,
      seed: 1,
    });
    if (E.isLeft(r)) throw r.left;
    const last = r.right.history.slice(-20).reduce((a, b) => a + b, 0) / 20;
    // E_q[log q - log p̃] = KL(q‖p) - log Z, so a perfect fit gives -7.
    expect(last).toBeGreaterThan(-7.05);
    expect(last).toBeLessThan(-6.95);
    disposeParams(r.right.params);
    expect(tf.memory().numTensors).toBe(before);
  });
});
