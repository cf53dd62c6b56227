import { describe, expect, it } from 'vitest';
import { tf } from '../src/index.js';
import { lossAndGrads } from '../src/training/index.js';

describe('lossAndGrads', () => {
  it('gives the loss, the gradients and their squared norm', () => {
    const w = tf.tensor1d([1, -2, 3]);
    const before = tf.memory().numTensors;
    const r = lossAndGrads({ w }, (p) => tf.sum(tf.square(p.w)));
    expect(r.loss).toBeCloseTo(14, 5);
    expect(Array.from(r.grads[0]!.dataSync())).toEqual([2, -4, 6]);
    expect(r.gradNormSquared).toBeCloseTo(56, 4);
    tf.dispose(r.grads);
    expect(tf.memory().numTensors).toBe(before);
    w.dispose();
  });

  it('releases the tensors saved for the backward pass when the loss throws mid-way (no leak)', () => {
    const w = tf.tensor1d([0.5, -0.25]);
    const before = tf.memory().numTensors;
    // exp, tanh and mul save inputs or outputs for their gradients; the throw comes after them,
    // as when an adaptive ODE solver gives up part-way through a solve.
    const failing = (p: { readonly w: tf.Tensor1D }): tf.Scalar => {
      const h = tf.mul(tf.tanh(tf.exp(p.w)), p.w);
      if (h.size > 0) throw new Error('solver gave up');
      return tf.sum(h);
    };
    for (let i = 0; i < 3; i++)
      expect(() => lossAndGrads({ w }, failing)).toThrow('solver gave up');
    expect(tf.memory().numTensors).toBe(before);
    // The engine is left usable: a later step differentiates normally and releases its tape.
    const r = lossAndGrads({ w }, (p) => tf.sum(tf.mul(p.w, p.w)));
    expect(Array.from(r.grads[0]!.dataSync())).toEqual([1, -0.5]);
    tf.dispose(r.grads);
    expect(tf.memory().numTensors).toBe(before);
    w.dispose();
  });
});
