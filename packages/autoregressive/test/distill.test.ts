import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import {
  type FlowDef,
  type MixtureParams,
  type NoParams,
  type Params,
  disposeParams,
  fixed,
  flow,
  identity,
  mixtureOfGaussians,
  tf,
} from '@bijective/core';
import { type DistillOptions, distill, iaf, maf } from '../src/index.js';
import { perturbed } from './helpers.js';

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Fresh estimates of `KL(q ‖ p)` (4096 student draws) and `KL(p ‖ q)` (4096 teacher draws); both flows normalised. */
const klEstimates = <PT extends Params, PS extends Params>(
  teacher: FlowDef<PT>,
  tp: PT,
  student: FlowDef<PS>,
  sp: PS,
): { reverse: number; forward: number } => {
  const [reverse, forward] = tf.tidy(() => {
    const p = teacher.apply(tp);
    const q = student.apply(sp);
    const s = q.sampleAndLogProb(4096, 12345);
    const t = p.sampleAndLogProb(4096, 54321);
    return [tf.mean(tf.sub(s.logProb, p.logProb(s.x))), tf.mean(tf.sub(t.logProb, q.logProb(t.x)))];
  });
  const out = { reverse: reverse!.dataSync()[0]!, forward: forward!.dataSync()[0]! };
  tf.dispose([reverse!, forward!]);
  return out;
};

/**
 * A normalised two-mode teacher: an equal mixture of N((±3, 0), 0.4² I) (the
 * identity transform on a mixture base), so its samples and density are exact.
 */
const twoModes = (): {
  def: FlowDef<{ transform: NoParams; base: MixtureParams }>;
  params: { transform: NoParams; base: MixtureParams };
} => ({
  def: flow({
    name: 'twoModes',
    dim: 2,
    transform: fixed(identity),
    base: mixtureOfGaussians(2, 2),
  }),
  params: {
    transform: [],
    base: {
      logits: tf.tensor1d([0, 0]),
      means: tf.tensor2d([
        [-3, 0],
        [3, 0],
      ]),
      logScales: tf.fill([2, 2], Math.log(0.4)) as tf.Tensor2D,
    },
  },
});

describe('distill (Parallel WaveNet-style density distillation)', () => {
  const teacher = maf({ dim: 2, transforms: 2, hidden: [16, 16] });
  const student = iaf({ dim: 2, transforms: 3, hidden: [16, 16] });

  it('reverse KL alone: an IAF student learns a MAF teacher, the reported KL drops by at least 4x and below 0.15 nats', async () => {
    // σ = 0.4 noise on every teacher weight makes a clearly non-Gaussian teacher.
    const teacherParams = perturbed(teacher.init(1), 2, 0.4);
    const reported: { step: number; kl: number; forwardKL: number | undefined }[] = [];
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
    expect(reported.every((p) => Number.isFinite(p.kl) && p.forwardKL === undefined)).toBe(true);
    expect(r.right.forwardHistory).toEqual([]);
    const first = mean(h.slice(0, 10));
    const last = mean(h.slice(-50));
    expect(last).toBeLessThan(first / 4);
    expect(last).toBeLessThan(0.15); // from ≈ 0.9 to ≈ 0.06 on cpu
    disposeParams(r.right.params);
    disposeParams(teacherParams);
  });

  // Reverse KL is mode-seeking: on two modes 15σ apart (6 units, σ = 0.4) a student started between them settles on one,
  // and its density at the other mode is then essentially zero — forward KL in the hundreds of nats
  // (≈ 540 on cpu). With the forward term at equal weight (α = ½) the same run covers both modes.
  // The thresholds (10 and 2) sit far from both.
  it('on a two-mode teacher, reverse KL alone drops a mode and forwardWeight ½ covers both', async () => {
    const { def, params } = twoModes();
    const run = async (forwardWeight: number) => {
      const r = await distill(def, params, student, {
        steps: 300,
        batchSize: 64,
        teacherBatchSize: 64,
        learningRate: 1e-2,
        seed: 0,
        forwardWeight,
      });
      if (E.isLeft(r)) throw r.left;
      const kl = klEstimates(def, params, student, r.right.params);
      disposeParams(r.right.params);
      return { kl, forwardHistory: r.right.forwardHistory, history: r.right.history };
    };
    const reverseOnly = await run(0);
    const both = await run(0.5);
    expect(reverseOnly.kl.forward).toBeGreaterThan(10);
    expect(both.kl.forward).toBeLessThan(2);
    // The per-step forward estimates are recorded, finite, and fall as the student spreads over both modes.
    expect(both.forwardHistory).toHaveLength(300);
    expect(both.forwardHistory.every(Number.isFinite)).toBe(true);
    expect(mean(both.forwardHistory.slice(-50))).toBeLessThan(
      mean(both.forwardHistory.slice(0, 10)) / 2,
    );
    disposeParams(params);
  });

  // α = 1 is maximum likelihood on fresh teacher draws: the forward estimate falls, the reverse one is
  // still recorded, and the reverse-term options (maxLogRatio) cannot change the run.
  it('forwardWeight 1: forward KL alone, the reverse estimate recorded outside the gradient', async () => {
    const teacherParams = perturbed(teacher.init(1), 2, 0.4);
    const run = async (maxLogRatio?: number) => {
      const r = await distill(teacher, teacherParams, student, {
        steps: 200,
        batchSize: 64,
        learningRate: 1e-2,
        seed: 0,
        forwardWeight: 1,
        ...(maxLogRatio === undefined ? {} : { maxLogRatio }),
      });
      if (E.isLeft(r)) throw r.left;
      disposeParams(r.right.params);
      return r.right;
    };
    const a = await run();
    expect(a.history).toHaveLength(200);
    expect(a.forwardHistory).toHaveLength(200);
    expect(mean(a.forwardHistory.slice(-50))).toBeLessThan(mean(a.forwardHistory.slice(0, 10)) / 2);
    expect(mean(a.history.slice(-50))).toBeLessThan(mean(a.history.slice(0, 10)));
    const b = await run(0.01);
    expect([b.history, b.forwardHistory]).toEqual([a.history, a.forwardHistory]);
    disposeParams(teacherParams);
  });

  // Validation reads the student on held-out teacher draws (their own seed) and never touches the
  // training stream, so the histories are identical with and without it; it returns the best-scoring step.
  it('validation: same trajectory, the parameters of the step with the lowest held-out forward KL', async () => {
    const teacherParams = perturbed(teacher.init(1), 2, 0.4);
    const base = { steps: 120, batchSize: 64, learningRate: 1e-2, seed: 0, forwardWeight: 0.5 };
    const plain = await distill(teacher, teacherParams, student, base);
    const kept = await distill(teacher, teacherParams, student, {
      ...base,
      validation: { samples: 512, every: 25 },
    });
    if (E.isLeft(plain)) throw plain.left;
    if (E.isLeft(kept)) throw kept.left;
    expect(plain.right.validation).toEqual([]);
    expect(plain.right.bestStep).toBe(120);
    expect(kept.right.history).toEqual(plain.right.history);
    const v = kept.right.validation;
    expect(v.map((e) => e.step)).toEqual([25, 50, 75, 100, 120]);
    const min = v.reduce((a, b) => (b.forwardKL < a.forwardKL ? b : a));
    expect(kept.right.bestStep).toBe(min.step);
    // The held-out estimate falls as the student learns.
    expect(min.forwardKL).toBeLessThan(v[0]!.forwardKL);
    disposeParams(plain.right.params);
    disposeParams(kept.right.params);
    disposeParams(teacherParams);
  });

  // maxLogRatio only changes how draws with log q − log p > τ enter the loss: with τ = 10⁶ nats, above
  // every draw's log-ratio on this teacher, the run is bit-identical; with τ = 0.5, below many early
  // draws' ratios (the first steps' KL is ≈ 0.9), the run differs and the reverse KL still falls below 0.15 nats.
  it('maxLogRatio: no effect below the bound; a low bound still distils', async () => {
    const teacherParams = perturbed(teacher.init(1), 2, 0.4);
    const run = async (maxLogRatio?: number, steps = 300) => {
      const r = await distill(teacher, teacherParams, student, {
        steps,
        batchSize: 64,
        learningRate: 1e-2,
        seed: 0,
        ...(maxLogRatio === undefined ? {} : { maxLogRatio }),
      });
      if (E.isLeft(r)) throw r.left;
      disposeParams(r.right.params);
      return r.right.history;
    };
    const exact = await run(undefined, 20);
    expect(await run(1e6, 20)).toEqual(exact);
    const bounded = await run(0.5);
    expect(bounded.slice(0, 20)).not.toEqual(exact);
    expect(mean(bounded.slice(-50))).toBeLessThan(0.15);
    disposeParams(teacherParams);
  });

  it('a maximum-likelihood warm start on teacher draws starts the reverse-KL phase lower, without leaks', async () => {
    const teacherParams = perturbed(teacher.init(1), 2, 0.4);
    const before = tf.memory().numTensors;
    const cold = await distill(teacher, teacherParams, student, {
      steps: 5,
      batchSize: 64,
      learningRate: 1e-2,
      seed: 0,
    });
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

  it('is deterministic given the seed; a schedule ending where it starts is no schedule', async () => {
    const teacherParams = perturbed(teacher.init(1), 2, 0.3);
    const run = async (extra: Partial<DistillOptions<Params>>) => {
      const r = await distill(teacher, teacherParams, student, {
        steps: 5,
        batchSize: 32,
        seed: 7,
        forwardWeight: 0.5,
        learningRate: 3e-3,
        ...extra,
      });
      if (E.isLeft(r)) throw r.left;
      disposeParams(r.right.params);
      return [r.right.history, r.right.forwardHistory];
    };
    const a = await run({});
    expect(await run({})).toEqual(a);
    expect(await run({ finalLearningRate: 3e-3 })).toEqual(a);
    // Annealing to 1e-5 changes the later steps (the first uses η₀ in both).
    const annealed = await run({ finalLearningRate: 1e-5 });
    expect(annealed[0]![0]).toEqual(a[0]![0]);
    expect(annealed[0]).not.toEqual(a[0]);
    disposeParams(teacherParams);
  });

  it('returns a typed Left for mismatched dims, a conditional flow or bad options', async () => {
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
    const bad: [string, DistillOptions<Params>][] = [
      ['options.steps', { steps: 0 }],
      ['options.batchSize', { batchSize: 2.5 }],
      ['options.teacherBatchSize', { teacherBatchSize: 0 }],
      ['options.progressEvery', { progressEvery: -1 }],
      ['options.forwardWeight', { forwardWeight: -1 }],
      ['options.forwardWeight', { forwardWeight: 1.5 }],
      ['options.forwardWeight', { forwardWeight: Number.NaN }],
      ['options.learningRate', { learningRate: 0 }],
      ['options.finalLearningRate', { finalLearningRate: Number.POSITIVE_INFINITY }],
      ['options.clipGradNorm', { clipGradNorm: 0 }],
      ['options.maxLogRatio', { maxLogRatio: 0 }],
      ['options.maxLogRatio', { maxLogRatio: Number.NaN }],
      ['options.warmStart.steps', { warmStart: { steps: 0 } }],
      ['options.warmStart.samples', { warmStart: { steps: 1, samples: 0 } }],
      ['options.validation.samples', { validation: { samples: 0 } }],
      ['options.validation.every', { validation: { samples: 10, every: 1.5 } }],
    ];
    const before = tf.memory().numTensors;
    for (const [argument, options] of bad) {
      const r = await distill(teacher, teacherParams, student, options);
      expect(E.isLeft(r) && [r.left.kind, r.left.argument]).toEqual(['ValueError', argument]);
    }
    expect(tf.memory().numTensors).toBe(before); // rejected before anything is allocated
    disposeParams(teacherParams);
  });
});
