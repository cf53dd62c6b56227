import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import {
  type LogDensity,
  type Params,
  type FlowDef,
  disposeParams,
  fitReverseKL,
  sampleAndLogProb,
  tf,
} from '@bijective/core';
import { distill, iaf, maf } from '../src/index.js';
import { logBanana, logFunnel, perturbed } from './helpers.js';

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** A fresh Monte-Carlo estimate of KL(q ‖ p) from 4096 draws of q (p normalised). */
const klEstimate = <P extends Params>(
  def: FlowDef<P>,
  params: P,
  logTarget: LogDensity,
): number => {
  const r = sampleAndLogProb(def, params, 4096, { seed: 12345 });
  if (E.isLeft(r)) throw r.left;
  const kl = tf.tidy(() => tf.mean(tf.sub(r.right.logProb, logTarget(r.right.x))).dataSync()[0]!);
  tf.dispose([r.right.x, r.right.logProb]);
  return kl;
};

// Short runs (250 Adam steps of 64 draws, a few seconds each on one core). Both targets are normalised,
// so the estimate is the true KL(q ‖ p) ≥ 0. A 3-layer IAF can represent both exactly (x₂ is an
// affine function of z₂ given z₁), so the KL should get close to 0; the thresholds leave room for
// Monte-Carlo noise (the 4096-draw estimate has a standard error of ~0.01 near the optimum).
describe('variational inference with an IAF (core fitReverseKL)', () => {
  const targets: Record<string, { logTarget: LogDensity; threshold: number }> = {
    banana: { logTarget: logBanana, threshold: 0.15 },
    funnel: { logTarget: logFunnel, threshold: 0.1 },
  };
  for (const [name, { logTarget, threshold }] of Object.entries(targets))
    it(`${name}: the KL estimate starts above 0.5 nats and ends below ${threshold}`, async () => {
      const def = iaf({ dim: 2, transforms: 3, hidden: [16, 16] });
      const init = def.init(0);
      const before = klEstimate(def, init, logTarget);
      disposeParams(init);
      const r = await fitReverseKL(def, logTarget, {
        steps: 250,
        batchSize: 64,
        learningRate: 1e-2,
        seed: 0,
      });
      if (E.isLeft(r)) throw r.left;
      expect(before).toBeGreaterThan(0.5);
      expect(mean(r.right.history.slice(-50))).toBeLessThan(threshold);
      expect(klEstimate(def, r.right.params, logTarget)).toBeLessThan(threshold);
      disposeParams(r.right.params);
    });
});

describe('distill (Parallel WaveNet-style density distillation)', () => {
  const teacher = maf({ dim: 2, transforms: 2, hidden: [16, 16] });
  const student = iaf({ dim: 2, transforms: 3, hidden: [16, 16] });

  it('an IAF student learns a MAF teacher: the reported KL drops by at least 4x and below 0.15 nats', async () => {
    // σ = 0.4 noise on every teacher weight makes a clearly non-Gaussian teacher.
    const teacherParams = perturbed(teacher.init(1), 2, 0.4);
    const reported: { step: number; kl: number }[] = [];
    const r = await distill(teacher, teacherParams, student, {
      steps: 300,
      batchSize: 64,
      learningRate: 1e-2,
      seed: 0,
      progressEvery: 50,
      onProgress: (p) => void reported.push(p),
    });
    if (E.isLeft(r)) throw r.left;
    const h = r.right.history;
    expect(reported.map((p) => p.step)).toEqual([50, 100, 150, 200, 250, 300]);
    expect(reported.every((p) => Number.isFinite(p.kl))).toBe(true);
    const first = mean(h.slice(0, 10));
    const last = mean(h.slice(-50));
    expect(last).toBeLessThan(first / 4);
    expect(last).toBeLessThan(0.15); // from ≈ 0.9 to ≈ 0.06 on cpu
    disposeParams(r.right.params);
    disposeParams(teacherParams);
  });

  it('a maximum-likelihood warm start on teacher draws starts the reverse-KL phase lower, without leaks', async () => {
    const teacherParams = perturbed(teacher.init(1), 2, 0.4);
    const before = tf.memory().numTensors;
    const cold = await distill(teacher, teacherParams, student, { steps: 5, batchSize: 64, learningRate: 1e-2, seed: 0 });
    const warm = await distill(teacher, teacherParams, student, {
      steps: 5,
      batchSize: 64,
      learningRate: 1e-2,
      seed: 0,
      warmStart: { samples: 2000, steps: 150, batchSize: 64 },
    });
    if (E.isLeft(cold)) throw cold.left;
    if (E.isLeft(warm)) throw warm.left;
    // After 150 maximum-likelihood steps the student already matches the teacher far better.
    expect(mean(warm.right.history)).toBeLessThan(mean(cold.right.history) / 2);
    disposeParams(cold.right.params);
    disposeParams(warm.right.params);
    expect(tf.memory().numTensors).toBe(before);
    disposeParams(teacherParams);
  });

  it('is deterministic given the seed', async () => {
    const teacherParams = perturbed(teacher.init(1), 2, 0.3);
    const run = async () => {
      const r = await distill(teacher, teacherParams, student, {
        steps: 5,
        batchSize: 32,
        seed: 7,
      });
      if (E.isLeft(r)) throw r.left;
      disposeParams(r.right.params);
      return r.right.history;
    };
    const a = await run();
    const b = await run();
    expect(b).toEqual(a);
    disposeParams(teacherParams);
  });

  it('returns Left for mismatched dims, a conditional flow or bad options', async () => {
    const teacherParams = teacher.init(0);
    const wrongDim = await distill(
      teacher,
      teacherParams,
      iaf({ dim: 3, transforms: 1, hidden: [4] }),
      { steps: 1 },
    );
    expect(E.isLeft(wrongDim) && wrongDim.left.kind).toBe('ShapeError');
    const conditional = await distill(
      teacher,
      teacherParams,
      iaf({ dim: 2, contextDim: 1, transforms: 1, hidden: [4] }),
      { steps: 1 },
    );
    expect(E.isLeft(conditional) && conditional.left.kind).toBe('ValueError');
    const badSteps = await distill(teacher, teacherParams, student, { steps: 0 });
    expect(E.isLeft(badSteps) && badSteps.left.kind).toBe('ValueError');
    disposeParams(teacherParams);
  });
});
