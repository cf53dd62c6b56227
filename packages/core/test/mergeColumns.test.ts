import { describe, expect, it } from 'vitest';
import { tf } from '../src/tf.js';
import { mergeColumns } from '../src/ops/mergeColumns.js';
import { selectColumns } from '../src/ops/selectColumns.js';

const matrix = (seed: number, cols: number, rows = 5): tf.Tensor2D =>
  tf.tensor2d(
    Array.from({ length: rows * cols }, (_, i) => Math.sin(seed * 3.7 + i * 1.3) * 2),
    [rows, cols],
  );

type Merge = (a: tf.Tensor2D, b: tf.Tensor2D, idx: readonly number[]) => tf.Tensor2D;
const composite: Merge = (a, b, idx) => selectColumns(tf.concat([a, b], 1), idx);

/** Values and gradients of `Σ w ⊙ merge(a, b)` with respect to a and b, read back. */
const readout = (merge: Merge, a: tf.Tensor2D, b: tf.Tensor2D, idx: readonly number[]) =>
  tf.tidy(() => {
    const w = matrix(9, idx.length);
    const { value, grads } = tf.valueAndGrads((...ts: tf.Tensor[]) =>
      tf.sum(tf.mul(w, merge(ts[0] as tf.Tensor2D, ts[1] as tf.Tensor2D, idx))),
    )([a, b]);
    value.dispose();
    return [merge(a, b, idx), ...grads].map((t) => Float32Array.from(t.dataSync()));
  });

describe('mergeColumns', () => {
  const cases: [number, number, number[]][] = [
    [1, 1, [0, 1]],
    [1, 1, [1, 0]],
    [2, 3, [3, 0, 4, 1, 2]],
    [3, 2, [0, 3, 1, 4, 2]],
  ];
  it.each(cases)(
    'equals concat + selectColumns bit for bit, gradients included (na %i, nb %i, idx %j)',
    async (na, nb, idx) => {
      await tf.setBackend('cpu');
      const a = matrix(1, na);
      const b = matrix(2, nb);
      const before = tf.memory().numTensors;
      const got = readout(mergeColumns, a, b, idx);
      const ref = readout(composite, a, b, idx);
      expect(tf.memory().numTensors).toBe(before);
      got.forEach((g, i) => expect(g).toEqual(ref[i]));
      tf.dispose([a, b]);
    },
  );

  it('falls back to the composite ops when idx is not a permutation', async () => {
    await tf.setBackend('cpu');
    const a = matrix(1, 2);
    const b = matrix(2, 1);
    const got = readout(mergeColumns, a, b, [0, 0, 2]);
    const ref = readout(composite, a, b, [0, 0, 2]);
    got.forEach((g, i) => expect(g).toEqual(ref[i]));
    tf.dispose([a, b]);
  });

  it('runs a concat and a gather forward, saves nothing, and one gather per part backward', async () => {
    await tf.setBackend('cpu');
    const a = matrix(1, 2);
    const b = matrix(2, 3);
    const kernels: string[] = [];
    const configs = tf.getKernelsForBackend('cpu');
    const originals = configs.map((c) => c.kernelFunc);
    configs.forEach((c, i) => {
      c.kernelFunc = (args) => (kernels.push(c.kernelName), originals[i]!(args));
    });
    try {
      tf.tidy(() =>
        tf.grads((x: tf.Tensor, y: tf.Tensor) =>
          tf.sum(mergeColumns(x as tf.Tensor2D, y as tf.Tensor2D, [3, 0, 4, 1, 2])),
        )([a, b]),
      );
    } finally {
      configs.forEach((c, i) => (c.kernelFunc = originals[i]!));
    }
    // Sum saves its input (Identity) and its gradient is Reshape + Multiply.
    expect(kernels).toEqual([
      'Concat',
      'GatherV2',
      'Sum',
      'Identity',
      'Reshape',
      'Multiply',
      'GatherV2',
      'GatherV2',
    ]);
    tf.dispose([a, b]);
  });
});
