import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { type Batch, tf } from '@bijective/core';
import { encodeSafetensors, fromZuko, parseSafetensors, toZuko } from '../src/index.js';
import { CASES, loadCase, rows, values } from './fixtures.js';

/**
 * Exactness against zuko 1.6.0 (fixtures from scripts/make-zuko-fixtures.py: trained weights,
 * zuko's float32 log_prob of 256 rows and its samples `flow(c).transform.inv(z)` of 256 base
 * draws). Tolerance 1e-4 absolute: both sides run float32, and the log-densities (≈ -3 to -45)
 * sum ~10² float32 terms, so rounding alone reaches a few 1e-6; a wrong mask, order, weight
 * layout, clamp or spline formula is off by ≥ 1e-2.
 */
const TOL = 1e-4;

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

describe.each(CASES)('zuko fixture %s', (name) => {
  const c = loadCase(name);
  const ctx = c.data.tensors.has('context') ? rows(c.data, 'context') : undefined;

  it("fromZuko: logProb equals zuko's log_prob and samples from the same base draws agree (1e-4)", () => {
    const before = tf.memory().numTensors;
    const model = fromZuko(c.stateDict, { flow: c.flow });
    if (E.isLeft(model)) throw model.left;
    const { def, params } = model.right;
    const [lp, xs] = tf.tidy(() => {
      const f = def.apply(params);
      const context = ctx === undefined ? undefined : (tf.tensor2d(ctx) as Batch);
      const x = tf.tensor2d(rows(c.data, 'x')) as Batch;
      const z = tf.tensor2d(rows(c.data, 'z')) as Batch;
      return [f.logProb(x, context), f.bijection.inverse(z, context).x];
    });
    const lpDiff = maxAbsDiff(lp!.dataSync(), values(c.data, 'log_prob'));
    const sDiff = maxAbsDiff(xs!.dataSync(), values(c.data, 'sample'));
    tf.dispose([lp!, xs!, params as unknown as tf.TensorContainer]);
    if (process.env['INTEROP_VERBOSE'])
      console.log(
        `${name}: max abs log_prob diff ${lpDiff.toExponential(2)}, sample diff ${sDiff.toExponential(2)}`,
      );
    expect(lpDiff).toBeLessThan(TOL);
    expect(sDiff).toBeLessThan(TOL);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("the bijective definition has zuko's parameter count (weights and biases; masks and orders are buffers)", () => {
    const model = fromZuko(c.stateDict, { flow: c.flow });
    if (E.isLeft(model)) throw model.left;
    const zukoCount = [...c.stateDict.tensors]
      .filter(([k, t]) => t.dtype === 'F32' && !k.startsWith('base.'))
      .reduce((n, [, t]) => n + t.data.length, 0);
    const fresh = model.right.def.init(0);
    const count = (p: unknown): number =>
      p instanceof tf.Tensor
        ? p.size
        : Array.isArray(p)
          ? p.reduce((n: number, q) => n + count(q), 0)
          : typeof p === 'object' && p !== null
            ? Object.values(p).reduce((n: number, q) => n + count(q), 0)
            : 0;
    expect(count(fresh)).toBe(zukoCount);
    expect(count(model.right.params)).toBe(zukoCount);
    tf.dispose([fresh, model.right.params] as unknown as tf.TensorContainer);
  });

  it("toZuko(fromZuko(sd)) gives back zuko's state dict: same keys, dtypes, shapes and values", () => {
    const model = fromZuko(c.stateDict, { flow: c.flow });
    if (E.isLeft(model)) throw model.left;
    const out = toZuko(model.right.def, model.right.params);
    tf.dispose(model.right.params as unknown as tf.TensorContainer);
    if (E.isLeft(out)) throw out.left;
    expect(out.right.flow).toBe(c.flow);
    const sd = out.right.stateDict;
    expect([...sd.keys()].sort()).toEqual([...c.stateDict.tensors.keys()].sort());
    for (const [key, t] of c.stateDict.tensors) {
      const mine = sd.get(key)!;
      expect({ key, dtype: mine.dtype, shape: mine.shape }).toEqual({
        key,
        dtype: t.dtype,
        shape: t.shape,
      });
      expect(mine.data, key).toEqual(t.data);
    }
    // And through bytes: encode → parse → fromZuko gives the same log-densities.
    const bytes = encodeSafetensors(sd);
    if (E.isLeft(bytes)) throw bytes.left;
    const back = parseSafetensors(bytes.right);
    if (E.isLeft(back)) throw back.left;
    const again = fromZuko(back.right, { flow: c.flow });
    if (E.isLeft(again)) throw again.left;
    const lp = tf.tidy(() =>
      again.right.def
        .apply(again.right.params)
        .logProb(
          tf.tensor2d(rows(c.data, 'x')) as Batch,
          ctx === undefined ? undefined : (tf.tensor2d(ctx) as Batch),
        ),
    );
    expect(maxAbsDiff(lp.dataSync(), values(c.data, 'log_prob'))).toBeLessThan(TOL);
    tf.dispose([lp, again.right.params as unknown as tf.TensorContainer]);
  });
});
