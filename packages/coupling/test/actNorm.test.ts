import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { type Batch, type Params, tf, disposeParams } from '@bijective/core';
import { flattenParams } from '@bijective/core/params';
import { dataDependentInit, glow, realNVP } from '../src/index.js';
import { actNorm, actNormInit, affineCoupling, luLinear, stack } from '../src/layers.js';

/** Per-column mean and population standard deviation, read back. */
const moments = (t: tf.Tensor2D): { mean: number[]; std: number[] } => {
  const [m, v] = tf.tidy(() => {
    const r = tf.moments(t, 0);
    return [r.mean, tf.sqrt(r.variance)];
  });
  const out = { mean: Array.from(m!.dataSync()), std: Array.from(v!.dataSync()) };
  tf.dispose([m!, v!]);
  return out;
};

// Skewed data with very different scales per column.
const data = (): Batch =>
  tf.tidy(() => {
    const z = tf.randomNormal([500, 3], 0, 1, 'float32', 1);
    return tf.add(tf.mul(tf.exp(z), tf.tensor1d([0.01, 3, 40])), tf.tensor1d([5, -2, 100]));
  }) as Batch;

describe('ActNorm data-dependent initialisation', () => {
  it('actNormInit makes the layer output mean 0 / std 1 per column (tolerance 1e-4 in float32)', () => {
    const x = data();
    const before = tf.memory().numTensors;
    const p = actNormInit(x);
    const y = tf.tidy(() => actNorm(3).apply(p).forward(x).y);
    const { mean, std } = moments(y);
    mean.forEach((m) => expect(Math.abs(m)).toBeLessThanOrEqual(1e-4));
    // std/(std + 1e-6) is within 1e-4 of 1 for every column here (std ≥ 0.01).
    std.forEach((s) => expect(Math.abs(s - 1)).toBeLessThanOrEqual(1e-4));
    y.dispose();
    disposeParams(p);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('keeps a constant column finite', () => {
    const x = tf.tensor2d([
      [1, 3],
      [2, 3],
      [4, 3],
    ]);
    const p = actNormInit(x);
    expect(Array.from(p.logScale.dataSync()).every(Number.isFinite)).toBe(true);
    disposeParams(p);
    x.dispose();
  });

  it('stack.initFromData initialises each ActNorm on the data transformed by the layers before it', () => {
    const x = data();
    // The last ActNorm sees the output of an ActNorm, an LU map and a perturbed affine coupling.
    const t = stack(
      actNorm(3),
      luLinear({ dim: 3, seed: 1 }),
      affineCoupling({ dim: 3, hidden: [8], lastLayerScale: 1 }),
      actNorm(3),
    );
    const p0 = t.init(0);
    const before = tf.memory().numTensors;
    const p1 = t.initFromData(p0, x);
    expect(tf.memory().numTensors - before).toBe(flattenParams(p1).length); // new tensors only
    const y = tf.tidy(() => t.apply(p1).forward(x).y);
    const { mean, std } = moments(y);
    mean.forEach((m) => expect(Math.abs(m)).toBeLessThanOrEqual(1e-3));
    std.forEach((s) => expect(Math.abs(s - 1)).toBeLessThanOrEqual(1e-3));
    // Functional: p0 is untouched (the first ActNorm is still the identity) and shares no tensor with p1.
    expect(Array.from((p0[0] as { shift: tf.Tensor }).shift.dataSync())).toEqual([0, 0, 0]);
    const ids0 = new Set(flattenParams(p0).map((l) => l.tensor.id));
    expect(flattenParams(p1).some((l) => ids0.has(l.tensor.id))).toBe(false);
    y.dispose();
    disposeParams(p0);
    disposeParams(p1);
    x.dispose();
  });

  it('dataDependentInit on a glow flow standardizes the first ActNorm and validates its input', () => {
    const def = glow({ dim: 3, steps: 2, hidden: [8] });
    const x = data();
    const p0 = def.init(0);
    const before = tf.memory().numTensors;
    const r = dataDependentInit(def, p0, x);
    if (E.isLeft(r)) throw r.left;
    const p1 = r.right;
    expect(tf.memory().numTensors - before).toBe(flattenParams(p1).length);
    // The first ActNorm is layer 0 of the transform stack.
    const first = (p1.transform as Params[])[0] as { shift: tf.Tensor1D; logScale: tf.Tensor1D };
    const y = tf.tidy(() => actNorm(3).apply(first).forward(x).y);
    const { mean, std } = moments(y);
    mean.forEach((m) => expect(Math.abs(m)).toBeLessThanOrEqual(1e-4));
    std.forEach((s) => expect(Math.abs(s - 1)).toBeLessThanOrEqual(1e-4));
    // The standardized data has a finite, much higher likelihood than before initialisation.
    const ll = (p: typeof p0) => {
      const t = tf.tidy(() => tf.mean(def.apply(p).logProb(x)));
      const v = t.dataSync()[0]!;
      t.dispose();
      return v;
    };
    expect(ll(p1)).toBeGreaterThan(ll(p0));
    y.dispose();
    disposeParams(p1);

    const bad = dataDependentInit(def, p0, [[1, 2]]);
    expect(E.isLeft(bad) && bad.left.kind).toBe('ShapeError');
    const nan = dataDependentInit(def, p0, [[1, 2, Number.NaN]]);
    expect(E.isLeft(nan) && nan.left.kind).toBe('ValueError');
    expect(tf.memory().numTensors).toBe(before);
    disposeParams(p0);
    x.dispose();
  });

  it('dataDependentInit on a flow without ActNorm returns an equal copy', () => {
    const def = realNVP({ dim: 2, steps: 2, hidden: [4] });
    const p0 = def.init(1);
    const r = dataDependentInit(def, p0, [
      [0, 1],
      [2, 3],
    ]);
    if (E.isLeft(r)) throw r.left;
    const a = flattenParams(p0);
    const b = flattenParams(r.right);
    expect(b.map((l) => l.path)).toEqual(a.map((l) => l.path));
    b.forEach((l, i) => {
      expect(l.tensor).not.toBe(a[i]!.tensor);
      expect(Array.from(l.tensor.dataSync())).toEqual(Array.from(a[i]!.tensor.dataSync()));
    });
    disposeParams(p0);
    disposeParams(r.right);
  });
});
