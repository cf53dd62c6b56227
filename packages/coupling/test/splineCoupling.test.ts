import { describe, expect, it } from 'vitest';
import { type Batch, tf, disposeParams } from '@bijective/core';
import { type DenseParams } from '@bijective/core/nn';
import { type CouplingParams, alternatingMask, splineCoupling } from '../src/layers.js';

const K = 8;
const B = 5;
const MIN = 1e-3;

// A non-uniform spline: fixed raw widths, heights and derivatives (3K - 1 values).
const rawWidths = [0.3, -1.2, 2.0, 0.1, -0.5, 1.1, -2.0, 0.4];
const rawHeights = [-0.7, 0.9, 0.2, -1.5, 1.8, 0.0, -0.3, 0.6];
const rawDerivs = [1.5, -2.0, 0.3, 3.0, -0.8, 0.1, 2.2];

// The conditioner's last layer weights are 0, so every row gets exactly these raw parameters.
const makeParams = (): CouplingParams => {
  const def = splineCoupling({
    dim: 2,
    hidden: [4],
    bins: K,
    bound: B,
    mask: alternatingMask(2, 0),
  });
  const p = def.init(3);
  const last = p.net[p.net.length - 1]!;
  last.b.dispose();
  const b = tf.tensor1d([...rawWidths, ...rawHeights, ...rawDerivs]);
  return { net: [...p.net.slice(0, -1), { w: last.w, b }] as DenseParams[] };
};

// Knot positions with the same float32 ops core uses, so inputs land exactly on them.
const knots = (raw: number[]): number[] => {
  const t = tf.tidy(() => {
    const sizes = tf.add(MIN, tf.mul(1 - MIN * K, tf.softmax(tf.tensor1d(raw))));
    const interior = tf.slice(tf.cumsum(sizes), [0], [K - 1]);
    return tf.concat([tf.tensor1d([-B]), tf.sub(tf.mul(2 * B, interior), B), tf.tensor1d([B])]);
  });
  const values = t.arraySync() as number[];
  t.dispose();
  return values;
};

const xKnots = knots(rawWidths);
const yKnots = knots(rawHeights);
const tails = [-1e4, 1e4, -B - 1e-3, B + 1e-3, -50, 50];

// Column 0 conditions (any values), column 1 is transformed: the values under test.
const batch = (values: number[]): Batch => tf.tensor2d(values.map((v, i) => [0.1 * i - 0.5, v]));

const allFinite = (a: ArrayLike<number>) => Array.from(a).every(Number.isFinite);

/** Run `f` in a tidy and read its tensors back (tidy must return tensors, never typed arrays). */
const read = (f: () => tf.Tensor[]): unknown[] => {
  const ts = tf.tidy(f);
  const values = ts.map((t) => t.arraySync());
  tf.dispose(ts);
  return values;
};

describe('spline coupling at knots, at ±B and far in the tails', () => {
  const def = splineCoupling({
    dim: 2,
    hidden: [4],
    bins: K,
    bound: B,
    mask: alternatingMask(2, 0),
  });

  it('interpolates the knots and round-trips them (tolerance 2e-5: float32 at |x| ≤ 5)', () => {
    const params = makeParams();
    const before = tf.memory().numTensors;
    const [y, ld, back, ildAtKnots, xFromYKnots] = read(() => {
      const b = def.apply(params);
      const f = b.forward(batch(xKnots));
      const inv = b.inverse(f.y);
      const fromY = b.inverse(batch(yKnots));
      return [f.y, f.logDet, inv.x, inv.logDet, fromY.x];
    }) as [number[][], number[], number[][], number[], number[][]];
    expect(tf.memory().numTensors).toBe(before);
    expect(allFinite(ld)).toBe(true);
    xKnots.forEach((xk, i) => {
      expect(Math.abs(y[i]![1]! - yKnots[i]!)).toBeLessThanOrEqual(2e-5);
      expect(Math.abs(back[i]![1]! - xk)).toBeLessThanOrEqual(2e-5);
      expect(Math.abs(xFromYKnots[i]![1]! - xk)).toBeLessThanOrEqual(2e-5);
      expect(Math.abs(ildAtKnots[i]! + ld[i]!)).toBeLessThanOrEqual(1e-4);
      expect(y[i]![0]).toBe(back[i]![0]); // conditioning column passes through exactly
    });
    // Boundary knot derivatives are 1: log-det 0 at ±B.
    expect(Math.abs(ld[0]!)).toBeLessThanOrEqual(1e-5);
    expect(Math.abs(ld[K]!)).toBeLessThanOrEqual(1e-5);
    disposeParams(params);
  });

  it('is exactly the identity outside [-B, B], in both directions', () => {
    const params = makeParams();
    const [y, ld, x, ild] = read(() => {
      const b = def.apply(params);
      const f = b.forward(batch(tails));
      const inv = b.inverse(batch(tails));
      return [f.y, f.logDet, inv.x, inv.logDet];
    }) as [number[][], number[], number[][], number[]];
    const f32 = Array.from(new Float32Array(tails));
    expect(y.map((r) => r[1])).toEqual(f32);
    expect(x.map((r) => r[1])).toEqual(f32);
    expect(ld).toEqual(tails.map(() => 0));
    expect(ild).toEqual(tails.map(() => 0));
    disposeParams(params);
  });

  it('has finite gradients w.r.t. inputs and every parameter at knots, ±B and ±1e4', () => {
    const params = makeParams();
    const points = [...xKnots, ...yKnots, ...tails, -B, B, 0];
    const before = tf.memory().numTensors;
    for (const direction of ['forward', 'inverse'] as const) {
      const grads = read(() => {
        const x = batch(points);
        const leaves = params.net.flatMap((l) => [l.w, l.b]) as tf.Tensor[];
        const loss = (xx: tf.Tensor, ...ts: tf.Tensor[]) => {
          const net = [0, 1].map((i) => ({
            w: ts[2 * i] as tf.Tensor2D,
            b: ts[2 * i + 1] as tf.Tensor1D,
          }));
          const b = def.apply({ net });
          const r = direction === 'forward' ? b.forward(xx as Batch) : b.inverse(xx as Batch);
          const out = 'y' in r ? r.y : r.x;
          return tf.add(tf.sum(out), tf.sum(r.logDet)) as tf.Scalar;
        };
        return tf.grads(loss)([x, ...leaves]);
      });
      expect(grads).toHaveLength(5);
      grads.forEach((g) => expect(allFinite([g].flat(2) as number[])).toBe(true));
    }
    expect(tf.memory().numTensors).toBe(before);
    disposeParams(params);
  });
});
