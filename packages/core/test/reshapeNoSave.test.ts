import { describe, expect, it } from 'vitest';
import { tf } from '../src/tf.js';
import { reshapeNoSave } from '../src/ops/reshapeNoSave.js';

describe('reshapeNoSave', () => {
  it('equals tf.reshape, gradient included, saves no copy of its input and leaks nothing', async () => {
    await tf.setBackend('cpu');
    const x = tf.tensor2d(
      Array.from({ length: 24 }, (_, i) => Math.cos(i * 0.7)),
      [4, 6],
    );
    const w = tf.tensor3d(
      Array.from({ length: 24 }, (_, i) => i - 11.5),
      [4, 3, 2],
    );
    const before = tf.memory().numTensors;
    const kernels: string[] = [];
    const configs = tf.getKernelsForBackend('cpu');
    const originals = configs.map((c) => c.kernelFunc);
    configs.forEach((c, i) => {
      c.kernelFunc = (args) => (kernels.push(c.kernelName), originals[i]!(args));
    });
    const read = (reshape: (t: tf.Tensor) => tf.Tensor): Float32Array[] =>
      tf.tidy(() => {
        const { value, grad } = tf.valueAndGrad((t: tf.Tensor) => tf.sum(tf.mul(w, reshape(t))))(x);
        return [reshape(x), value, grad].map((t) => Float32Array.from(t.dataSync()));
      });
    let got: Float32Array[];
    let fusedKernels: string[];
    try {
      got = read((t) => reshapeNoSave(t, [4, 3, 2]));
      fusedKernels = kernels.splice(0);
    } finally {
      configs.forEach((c, i) => (c.kernelFunc = originals[i]!));
    }
    const ref = read((t) => tf.reshape(t, [4, 3, 2]));
    got.forEach((g, i) => expect(g).toEqual(ref[i]));
    expect(tf.memory().numTensors).toBe(before);
    // Forward: Reshape (nothing saved), Multiply (saves both operands), Sum (saves its input); tf.reshape
    // would add a fourth Identity, the engine's copy of the saved reshape input.
    expect(fusedKernels.slice(0, 1)).toEqual(['Reshape']);
    expect(fusedKernels.filter((k) => k === 'Identity')).toHaveLength(3); // Multiply's two saves, Sum's one
    tf.dispose([x, w]);
  });
});
