import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { AbortedError, DivergedError, computationError, disposeParams, tf } from '../src/index.js';
import { type TrainLoopHooks, type TrainLoopOptions, trainLoop } from '../src/training/index.js';

type P = { readonly w: tf.Tensor1D };

const values = (p: P): number[] => Array.from(p.w.dataSync());

const messages: TrainLoopOptions<P>['messages'] = {
  diverged: (t) => `diverged at ${t}`,
  aborted: (t) => `aborted after ${t}`,
  failed: (e, t, phase) => computationError(`failed at ${t} (${phase})`, e),
  divergedBy: (_, t) => `stopped at ${t}`,
};

/** `‖w‖²` from w = (1, 2), with Adam at 0.1; `seen[t]` holds the parameters step t started from. */
const quadratic = (
  options: Partial<TrainLoopOptions<P> & TrainLoopHooks<P>> = {},
  seen: number[][] = [],
) =>
  trainLoop<P>({
    params: { w: tf.tensor1d([1, 2]) },
    steps: 5,
    learningRate: 0.1,
    messages,
    objective: (t, p) => {
      seen[t] = values(p);
      return { loss: (q) => tf.sum(tf.square(q.w)) };
    },
    ...options,
  });

describe('trainLoop', () => {
  it('a non-finite step returns the parameters from before the update that produced it', async () => {
    const before = tf.memory().numTensors;
    const seen: number[][] = [];
    const r = await quadratic(
      {
        objective: (t, p) => {
          seen[t] = values(p);
          // Steps 0 and 1 are finite; step 2's loss (at θ₂) is not.
          return { loss: (q) => tf.mul(t === 2 ? Infinity : 1, tf.sum(tf.square(q.w))) };
        },
      },
      seen,
    );
    expect(E.isLeft(r) && r.left).toBeInstanceOf(DivergedError);
    if (E.isRight(r) || !(r.left instanceof DivergedError)) return;
    expect(r.left.message).toBe('diverged at 2');
    expect(r.left.step).toBe(2);
    const kept = r.left.lastGoodParams as P;
    expect(values(kept)).toEqual(seen[1]); // θ₁, not θ₂ = seen[2]
    expect(seen[2]).not.toEqual(seen[1]);
    disposeParams(kept);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps the best-scored parameters, stops after `patience` scores without improvement', async () => {
    const before = tf.memory().numTensors;
    const scores = [3, 2, 2.5, 2.7, 1];
    const seen: number[][] = [];
    const reports: { step: number; improved: boolean; bestScore: number | undefined }[] = [];
    const r = await quadratic(
      {
        patience: 2,
        evaluate: ({ step }) => scores[step - 1],
        afterStep: ({ step, improved, bestScore }) =>
          void reports.push({ step, improved, bestScore }),
      },
      seen,
    );
    if (E.isLeft(r)) throw r.left;
    expect(r.right.stoppedBy).toBe('patience');
    expect(r.right.steps).toBe(4);
    expect(r.right.bestStep).toBe(2);
    expect(r.right.bestScore).toBe(2);
    expect(reports.map((x) => x.improved)).toEqual([true, true, false, false]);
    // The parameters after two updates are the ones step 2 (0-based) started from.
    expect(values(r.right.params)).toEqual(seen[2]);
    disposeParams(r.right.params);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('per-step learning rate: a zero rate at step 1 leaves the parameters unchanged', async () => {
    const seen: number[][] = [];
    const r = await quadratic({ steps: 3, learningRate: (t) => (t === 1 ? 0 : 0.1) }, seen);
    if (E.isLeft(r)) throw r.left;
    expect(seen[2]).toEqual(seen[1]);
    expect(seen[1]).not.toEqual(seen[0]);
    disposeParams(r.right.params);
  });

  it('ema: after one step the result is β θ₀ + (1 − β) θ₁', async () => {
    const plain = await quadratic({ steps: 1 });
    const averaged = await quadratic({ steps: 1, ema: () => 0.25 });
    if (E.isLeft(plain) || E.isLeft(averaged)) throw new Error('training failed');
    const [a, b] = values(plain.right.params);
    const avg = values(averaged.right.params);
    expect(avg[0]).toBeCloseTo(0.25 * 1 + 0.75 * a!, 6);
    expect(avg[1]).toBeCloseTo(0.25 * 2 + 0.75 * b!, 6);
    disposeParams(plain.right.params);
    disposeParams(averaged.right.params);
  });

  it('abort returns the best parameters so far; a throw becomes `failed` or, by isDivergence, a DivergedError', async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const seen: number[][] = [];
    const aborted = await quadratic(
      {
        signal: controller.signal,
        evaluate: ({ step }) => (step === 1 ? 1 : 5),
        afterStep: ({ step }) => {
          if (step === 3) controller.abort();
        },
      },
      seen,
    );
    expect(E.isLeft(aborted) && aborted.left).toBeInstanceOf(AbortedError);
    if (E.isRight(aborted) || !(aborted.left instanceof AbortedError)) return;
    expect(aborted.left.message).toBe('aborted after 3');
    expect(values(aborted.left.params as P)).toEqual(seen[1]);
    disposeParams(aborted.left.params);

    const boom = (t: number) => {
      if (t === 2) throw new Error('boom');
      return { loss: (q: P) => tf.sum(tf.square(q.w)) as tf.Scalar };
    };
    const failed = await quadratic({ objective: boom });
    expect(E.isLeft(failed) && failed.left.message).toMatch(/^failed at 2 \(step\)/);
    const scoreFailed = await quadratic({
      evaluate: () => {
        throw new Error('solver gave up');
      },
    });
    expect(E.isLeft(scoreFailed) && scoreFailed.left.message).toMatch(/^failed at 1 \(evaluate\)/);
    const seen2: number[][] = [];
    const divergence = await quadratic(
      {
        isDivergence: () => true,
        objective: (t, p) => {
          seen2[t] = values(p);
          return boom(t);
        },
      },
      seen2,
    );
    expect(E.isLeft(divergence) && divergence.left).toBeInstanceOf(DivergedError);
    if (E.isLeft(divergence) && divergence.left instanceof DivergedError) {
      expect(divergence.left.message).toBe('stopped at 2');
      expect(values(divergence.left.lastGoodParams as P)).toEqual(seen2[1]);
      disposeParams(divergence.left.lastGoodParams);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
