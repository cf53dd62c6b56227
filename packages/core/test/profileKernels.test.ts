import { tf } from '../src/tf.js';
import { describe, expect, it } from 'vitest';
import { type KernelProfile, profileKernels } from '../src/backend/profileKernels.js';

const backend = () => tf.getBackend();
const calls = (p: KernelProfile) => Object.fromEntries(p.byKernel.map((k) => [k.name, k.calls]));

describe('profileKernels', () => {
  it('counts each kernel of a known op sequence exactly once', async () => {
    const a = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const b = tf.tensor2d([
      [5, 6],
      [7, 8],
    ]);
    const p = await profileKernels(async () => {
      const y = tf.tidy(() => tf.sum(tf.exp(tf.mul(tf.add(a, b), 0.01))));
      await y.data();
      y.dispose();
    }, backend());
    // Add, Multiply (the scalar 0.01 is a tensor made without a kernel), Exp, Sum.
    expect(p.kernelCalls).toBe(4);
    expect(calls(p)).toEqual({ Add: 1, Multiply: 1, Exp: 1, Sum: 1 });
    expect(p.kernelSeconds).toBeGreaterThan(0);
    expect(p.kernelSeconds).toBeLessThanOrEqual(p.wallSeconds);
    expect(p.outsideShare).toBeCloseTo(1 - p.kernelSeconds / p.wallSeconds, 12);
    tf.dispose([a, b]);
  });

  it('counts the kernels inside a customGrad op, not the op itself, and the gradient kernels', async () => {
    const x = tf.tensor1d([0.5, -1, 2]);
    const square = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [v, save] = args;
      if (!(v instanceof tf.Tensor) || typeof save !== 'function') throw new Error('bad args');
      save([v]);
      return {
        value: tf.mul(v, v),
        gradFunc: (dy: tf.Tensor, [s]: tf.Tensor[]) => tf.mul(dy, tf.mul(s!, 2)),
      };
    });
    const forward = await profileKernels(() => tf.tidy(() => square(x)).dispose(), backend());
    expect(forward.byKernel.map((k) => [k.name, k.calls])).toEqual([['Multiply', 1]]);
    // grad(sum(square(x))) on tfjs-core 4.22: forward Multiply and Sum; customGrad keeps clones of
    // its saved input and its value (2 Identity); Sum's gradient reshapes dy and multiplies by ones
    // (Reshape, Multiply; `ones` needs no kernel); the gradFunc's two Multiplies.
    const grad = await profileKernels(
      () => tf.tidy(() => tf.grad((v: tf.Tensor) => tf.sum(square(v)))(x)).dispose(),
      backend(),
    );
    expect(calls(grad)).toEqual({
      Multiply: 4,
      Identity: 2,
      Reshape: 1,
      Sum: 1,
    });
    expect(grad.kernelCalls).toBe(8);
    x.dispose();
  });

  it('restores the kernels it wrapped, also when the call throws', async () => {
    const before = tf.getKernelsForBackend(backend()).map((k) => k.kernelFunc);
    await expect(
      profileKernels(() => {
        tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)));
        throw new Error('boom');
      }, backend()),
    ).rejects.toThrow('boom');
    const after = tf.getKernelsForBackend(backend()).map((k) => k.kernelFunc);
    expect(after).toHaveLength(before.length);
    expect(after.every((f, i) => f === before[i])).toBe(true);
    // Unwrapped again: a second profile counts from zero.
    const p = await profileKernels(() => tf.tidy(() => tf.neg(tf.scalar(1))).dispose(), backend());
    expect(p.kernelCalls).toBe(1);
  });
});
