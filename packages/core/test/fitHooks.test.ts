import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import {
  BijectiveError,
  diagNormal,
  disposeParams,
  DivergedError,
  fit,
  flow,
  tf,
  type EpochFigures,
} from '../src/index.js';
import { affineTransform } from '../src/entries/transforms.js';
import { flattenParams, paramsAreFinite } from '../src/entries/params.js';
import { gaussianData, gaussianFlow } from './fixtures.js';
import { expectNoLeaks } from '../src/testing/index.js';

const def = gaussianFlow;
type P = ReturnType<typeof def.init>;

/** The same Gaussian flow, whose `apply` throws a DivergedError-kind error from call number `at` on. */
const flaky = (at: number): typeof def => {
  const inner = affineTransform(2);
  let calls = 0;
  return flow({
    name: 'flaky',
    dim: 2,
    base: diagNormal(2),
    transform: {
      init: inner.init,
      apply: (p) => {
        if (++calls >= at)
          throw new BijectiveError(
            'DivergedError',
            'solver gave up',
            'solver',
            'convergence',
            'none',
          );
        return inner.apply(p);
      },
    },
  });
};

const values = (p: P): number[][] => flattenParams(p).map((l) => Array.from(l.tensor.dataSync()));
const figures = (h: readonly EpochFigures[]) => h.map(({ seconds: _, ...rest }) => rest);

describe('fit hooks', () => {
  it('a batchLoss equal to the default NLL gives bit-identical parameters and losses; another loss does not', async () => {
    const x = gaussianData(600, 1);
    const options = { seed: 3, epochs: 3, batchSize: 64, learningRate: 0.02 };
    const run = async (
      batchLoss?: (p: P, xb: tf.Tensor2D, cb: tf.Tensor2D | undefined) => tf.Scalar,
    ) => {
      const r = await fit(def, x, batchLoss === undefined ? options : { ...options, batchLoss });
      if (E.isLeft(r)) throw r.left;
      const out = {
        params: values(r.right.params),
        history: figures(r.right.history),
        keys: Object.keys(r.right.history[0]!),
      };
      disposeParams(r.right.params);
      return out;
    };
    const base = await run();
    const same = await run(
      (p, xb, cb) => tf.neg(tf.mean(def.apply(p).logProb(xb, cb))) as tf.Scalar,
    );
    // A penalty pulling the shift to 0 must change the trajectory (proves the hook is used).
    const penalised = await run(
      (p, xb, cb) =>
        tf.add(
          tf.neg(tf.mean(def.apply(p).logProb(xb, cb))),
          tf.mul(10, tf.sum(tf.square(p.transform.shift))),
        ) as tf.Scalar,
    );
    expect(same).toEqual(base);
    expect(base.keys).toEqual(['epoch', 'steps', 'trainLoss', 'valLoss', 'seconds']); // no `extras` without the hook
    expect(penalised.params).not.toEqual(base.params);
    expect(penalised.history[0]!.trainLoss).toBeGreaterThan(base.history[0]!.trainLoss);
    x.dispose();
  });

  it('a validationLoss hook picks the best epoch, drives patience and returns that epoch’s parameters', async () => {
    const x = gaussianData(500, 2);
    const v = gaussianData(40, 3);
    const script = [5, 3, 4, 2, 6, 7, 1, 0]; // best at epoch 3; patience 2 stops after epoch 5
    const seen: { rows: number; shift: number[] }[] = [];
    const r = await fit(def, x, {
      seed: 0,
      batchSize: 100,
      validation: v,
      patience: 2,
      epochs: script.length,
      validationLoss: (p, xv) => {
        seen.push({ rows: xv.shape[0], shift: Array.from(p.transform.shift.dataSync()) });
        return script[seen.length - 1]!;
      },
    });
    if (E.isLeft(r)) throw r.left;
    expect(r.right.stoppedBy).toBe('patience');
    expect(r.right.bestEpoch).toBe(3);
    expect(r.right.bestValLoss).toBe(2);
    expect(r.right.history.map((h) => h.valLoss)).toEqual(script.slice(0, 6));
    expect(seen.every((s) => s.rows === 40)).toBe(true);
    expect(Array.from(r.right.params.transform.shift.dataSync())).toEqual(seen[3]!.shift);
    expect(seen[5]!.shift).not.toEqual(seen[3]!.shift);
    disposeParams(r.right.params);
    tf.dispose([x, v]);
  });

  it('a non-finite validation score ends with DivergedError carrying the best parameters', async () => {
    const x = gaussianData(300, 4);
    let epoch = 0;
    const r = await fit(def, x, {
      seed: 0,
      batchSize: 100,
      validationLoss: () => (epoch++ === 0 ? 1 : Number.NaN),
    });
    x.dispose();
    expect(E.isLeft(r) && r.left).toBeInstanceOf(DivergedError);
    if (E.isRight(r)) return;
    const err = r.left as DivergedError<P>;
    expect(err.message).toMatch(/validation loss became NaN after epoch 1/);
    expect(paramsAreFinite(err.lastGoodParams)).toBe(true);
    disposeParams(err.lastGoodParams);
  });

  it('epochExtras brackets every epoch and its typed value lands in history and progress', async () => {
    const x = gaussianData(450, 5);
    let calls = 0;
    let begun = 0;
    const reported: number[] = [];
    const r = await fit(def, x, {
      seed: 1,
      batchSize: 128,
      validationFraction: 0,
      maxSteps: 10,
      batchLoss: (p, xb, cb) => {
        calls++;
        return tf.neg(tf.mean(def.apply(p).logProb(xb, cb))) as tf.Scalar;
      },
      epochExtras: () => {
        begun++;
        const start = calls;
        return (steps) => ({ calls: calls - start, steps });
      },
      onProgress: (p) => void reported.push(p.extras.calls),
    });
    x.dispose();
    if (E.isLeft(r)) throw r.left;
    // 450 rows / 128 = 4 steps an epoch; maxSteps 10 → 4, 4, 2.
    expect(r.right.history.map((h) => h.extras)).toEqual([
      { calls: 4, steps: 4 },
      { calls: 4, steps: 4 },
      { calls: 2, steps: 2 },
    ]);
    expect(reported).toEqual([4, 4, 2]);
    expect(begun).toBe(3);
    expect(r.right.stoppedBy).toBe('maxSteps');
    disposeParams(r.right.params);
  });

  it('isDivergence turns a thrown error into DivergedError with the last finite parameters', async () => {
    const x = gaussianData(500, 6);
    const isDivergence = (e: unknown) => e instanceof BijectiveError && e.kind === 'DivergedError';
    const r = await fit(flaky(6), x, {
      seed: 0,
      batchSize: 50,
      validationFraction: 0,
      isDivergence,
    });
    expect(E.isLeft(r) && r.left).toBeInstanceOf(DivergedError);
    if (E.isLeft(r)) {
      const err = r.left as DivergedError<P>;
      expect(err.step).toBe(5);
      expect(err.message).toMatch(/training stopped at step 5: solver gave up/);
      expect(paramsAreFinite(err.lastGoodParams)).toBe(true);
      disposeParams(err.lastGoodParams);
    }
    // Without the hook the same error stays a ComputationError.
    const plain = await fit(flaky(6), x, { seed: 0, batchSize: 50, validationFraction: 0 });
    expect(E.isLeft(plain) && plain.left.kind).toBe('ComputationError');
    x.dispose();
  });

  it('leaks no tensor with every hook in use, on success and on a thrown divergence', async () => {
    const x = gaussianData(400, 7);
    const v = gaussianData(50, 8);
    const hooks = (d: typeof def) => ({
      batchLoss: (p: P, xb: tf.Tensor2D, cb: tf.Tensor2D | undefined) => {
        const nll = tf.neg(tf.mean(d.apply(p).logProb(xb, cb)));
        nll.dataSync(); // reading back inside the tape, as fitFfjord does
        return tf.add(nll, tf.mul(1e-3, tf.sum(tf.square(p.transform.shift)))) as tf.Scalar;
      },
      validationLoss: (p: P, xv: tf.Tensor2D) => {
        const s = tf.tidy(() => tf.neg(tf.mean(d.apply(p).logProb(xv))));
        const value = s.dataSync()[0]!;
        s.dispose();
        return value;
      },
      epochExtras: () => (steps: number) => ({ steps }),
      isDivergence: (e: unknown) => e instanceof BijectiveError,
    });
    await expectNoLeaks(async () => {
      const r = await fit(def, x, {
        seed: 0,
        batchSize: 64,
        epochs: 3,
        validation: v,
        ...hooks(def),
      });
      expect(E.isRight(r) && r.right.history.map((h) => h.extras.steps)).toEqual([7, 7, 7]);
      return r;
    });
    await expectNoLeaks(async () => {
      const d = flaky(12);
      const r = await fit(d, x, { seed: 0, batchSize: 64, epochs: 5, validation: v, ...hooks(d) });
      expect(E.isLeft(r) && r.left.kind).toBe('DivergedError');
      return r; // disposeDeep releases lastGoodParams
    });
    tf.dispose([x, v]);
  });
});
