import { describe, expect, it } from 'vitest';
import { tf } from '../src/index.js';
import { selectColumns, selectEntries } from '../src/entries/transforms.js';

describe('selectColumns', () => {
  it('equals tf.gather and has the same gradient, with repeated and dropped columns', () => {
    const idx = [2, 0, 2, 3];
    const x = tf.randomNormal([3, 5], 0, 1, 'float32', 1) as tf.Tensor2D;
    const w = tf.randomNormal([3, 4], 0, 1, 'float32', 2);
    const mine = tf.tidy(() => selectColumns(x, idx).arraySync());
    const ref = tf.tidy(() => tf.gather(x, tf.tensor1d(idx, 'int32'), 1).arraySync());
    expect(mine).toEqual(ref);
    const g1 = tf.tidy(() =>
      tf
        .grad((t: tf.Tensor) => tf.sum(tf.mul(selectColumns(t as tf.Tensor2D, idx), w)))(x)
        .arraySync(),
    ) as number[][];
    const g2 = tf.tidy(() =>
      tf
        .grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, tf.tensor1d(idx, 'int32'), 1), w)))(x)
        .arraySync(),
    ) as number[][];
    g1.flat().forEach((v, i) => expect(v).toBeCloseTo(g2.flat()[i]!, 6));
    // column 1 and 4 are never picked: zero gradient; column 2 is picked twice.
    expect(g1.map((r) => r[1])).toEqual([0, 0, 0]);
    const v = tf.tensor1d([5, 6, 7]);
    expect(tf.tidy(() => Array.from(selectEntries(v, [2, 2, 0]).dataSync()))).toEqual([7, 7, 5]);
    tf.dispose([x, w, v]);
  });
});
