import { describe, expect, it } from 'vitest';
import { tf } from '../src/tf.js';
import { sumLogDets } from '../src/sumLogDets.js';

const rows = (seed: number, n = 6): tf.Tensor1D =>
  tf.tensor1d(Array.from({ length: n }, (_, i) => Math.sin(seed * 7.3 + i * 1.9) * 3.1));

/** Values and gradients of `Σ w ⊙ f(ℓ₀, …)` with respect to every ℓᵢ. */
const withGrads = (
  f: (ts: tf.Tensor1D[]) => tf.Tensor,
  inputs: tf.Tensor1D[],
): { value: Float32Array; grads: Float32Array[] } =>
  tf.tidy(() => {
    const w = rows(99);
    const { value, grads } = tf.valueAndGrads((...ts: tf.Tensor[]) =>
      tf.sum(tf.mul(w, f(ts as tf.Tensor1D[]))),
    )(inputs);
    const sum = f(inputs);
    value.dispose();
    return {
      value: Float32Array.from(sum.dataSync()),
      grads: grads.map((g) => Float32Array.from(g.dataSync())),
    };
  });

const pairwise = (ts: tf.Tensor1D[]): tf.Tensor =>
  ts.slice(1).reduce<tf.Tensor>((a, t) => tf.add(a, t), ts[0]!);

describe('sumLogDets', () => {
  it('equals the chain of pairwise adds bit for bit, gradients included, without leaks', async () => {
    await tf.setBackend('cpu');
    const parts = [0, 1, 2, 3, 4].map((s) => rows(s));
    const before = tf.memory().numTensors;
    const fused = withGrads(sumLogDets, parts);
    const ref = withGrads(pairwise, parts);
    expect(tf.memory().numTensors).toBe(before);
    expect(fused.value).toEqual(ref.value);
    fused.grads.forEach((g, i) => expect(g).toEqual(ref.grads[i]));
    tf.dispose(parts);
  });

  it('accumulates the gradient of a part that appears twice', async () => {
    await tf.setBackend('cpu');
    const a = rows(1);
    const b = rows(2);
    const before = tf.memory().numTensors;
    const fused = withGrads(([x, y]) => sumLogDets([x!, y!, x!]), [a, b]);
    const ref = withGrads(([x, y]) => pairwise([x!, y!, x!]), [a, b]);
    expect(tf.memory().numTensors).toBe(before);
    expect(fused.value).toEqual(ref.value);
    fused.grads.forEach((g, i) => expect(g).toEqual(ref.grads[i]));
    tf.dispose([a, b]);
  });

  it('is one engine node: no saved-tensor copies, one clone per part backward', async () => {
    await tf.setBackend('cpu');
    const parts = [0, 1, 2, 3, 4].map((s) => rows(s));
    const kernels: string[] = [];
    const configs = tf.getKernelsForBackend('cpu');
    const originals = configs.map((c) => c.kernelFunc);
    configs.forEach((c, i) => {
      c.kernelFunc = (args) => (kernels.push(c.kernelName), originals[i]!(args));
    });
    try {
      tf.tidy(() =>
        tf.grads((...ts: tf.Tensor[]) => tf.sum(sumLogDets(ts as tf.Tensor1D[])))(parts),
      );
    } finally {
      configs.forEach((c, i) => (c.kernelFunc = originals[i]!));
    }
    // Forward: one AddN (nothing saved), then Sum (which saves its input: one Identity); backward:
    // Sum's gradient (Reshape, Multiply), then one clone of dy per part.
    expect(kernels).toEqual([
      'AddN',
      'Sum',
      'Identity',
      'Reshape',
      'Multiply',
      ...parts.map(() => 'Identity'),
    ]);
    tf.dispose(parts);
  });

  it('adds parts of different shapes or dtypes pairwise, and returns a single part itself', async () => {
    await tf.setBackend('cpu');
    const a = rows(1);
    const s = tf.tensor1d([0.5]);
    expect(sumLogDets([a])).toBe(a);
    const mixed = sumLogDets([a, s]);
    expect(Array.from(mixed.dataSync())).toEqual(Array.from(tf.add(a, s).dataSync()));
    expect(() => sumLogDets([])).toThrow(/no log-det/);
    tf.dispose([a, s, mixed]);
  });
});
