import { expect } from 'vitest';
import { tf } from '@bijective/core';
import { calls, uniform } from './helpers.js';

/**
 * A deterministic test tensor of `shape` with entries uniform in [lo, hi):
 * x_i ~ U(lo, hi) from the mulberry32 stream seeded by `seed` (see {@link uniform}).
 * The caller disposes it (or builds it inside `tf.tidy`).
 *
 * @example
 * ```ts
 * const a = uniformTensor([3, 17], 1); // 3x17 in [-1, 1)
 * const b = uniformTensor([17], 2, 0, 5); // 17 in [0, 5)
 * await agree(() => tf.add(a, b));
 * ```
 */
export const uniformTensor = (shape: number[], seed: number, lo = -1, hi = 1): tf.Tensor =>
  tf.tensor(
    uniform(
      shape.reduce((p, q) => p * q, 1),
      seed,
      lo,
      hi,
    ),
    shape,
  );

/**
 * Asserts that `fn` made the addon's `name` function run at least once on native,
 * i.e. calls[name] after > calls[name] before (counted by `setupNative`), so a test
 * cannot pass on the cpu fallback.
 *
 * @example
 * ```ts
 * await usesNative('gemm', () => agree(() => tf.matMul(a, b)));
 * ```
 */
export const usesNative = async (name: string, fn: () => Promise<void>): Promise<void> => {
  const before = calls[name] ?? 0;
  await fn();
  expect(
    calls[name] ?? 0,
    `addon.${name} was not called (cpu fallback ran instead)`,
  ).toBeGreaterThan(before);
};
