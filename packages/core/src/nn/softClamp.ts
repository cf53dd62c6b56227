import { tf } from '../tf.js';

/** `-log(1e-3) ≈ 6.9078`: zuko's bound on an affine log-scale. */
export const LOG_SCALE_BOUND = -Math.log(1e-3);

/**
 * Soft clamp of an unconstrained log-scale into `(-bound, bound)`, zuko's
 * form (zuko 1.x `MonotonicAffineTransform`, slope `log(1e-3)`):
 *
 *   `s = a / (1 + |a| / bound)`,  `bound = -log(1e-3) ≈ 6.9078`
 *
 * so the scale `exp(s)` stays within `(1e-3, 1e3)`: sampling through many
 * affine layers cannot overflow, while `s ≈ a` near 0 (slope 1 at the
 * origin, smooth, monotone, with non-vanishing gradient `1 / (1 + |a|/bound)²`).
 * Elementwise, any shape.
 *
 * @example
 * ```ts
 * softClamp(tf.tensor1d([0, 1, 100])); // ≈ [0, 0.874, 6.46]
 * ```
 */
export const softClamp = <T extends tf.Tensor>(a: T, bound: number = LOG_SCALE_BOUND): T =>
  tf.div(a, tf.add(1, tf.div(tf.abs(a), bound))) as T;
