import { describe, expect, it } from 'vitest';
import { tf } from '../src/index.js';
import { fieldTrace } from '../src/entries/nn.js';

describe('fieldTrace', () => {
  it('leaves only its results behind when called outside tf.tidy', () => {
    const z = tf.randomNormal([5, 2], 0, 1, 'float32', 1) as tf.Tensor2D;
    const weights = [
      tf.randomNormal([2, 4], 0, 1, 'float32', 2) as tf.Tensor2D,
      tf.randomNormal([4, 2], 0, 1, 'float32', 3) as tf.Tensor2D,
    ];
    const shift = tf.zeros([1, 6]) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    const r = fieldTrace(z, { weights, shift }, 'tanh', true);
    expect(tf.memory().numTensors - before).toBe(3); // value, divergence, frobenius
    tf.dispose([r.value, r.divergence, r.frobenius!]);
    tf.dispose([z, ...weights, shift]);
  });
});
