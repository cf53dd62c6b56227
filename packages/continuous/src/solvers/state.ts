import { tf } from '@bijective/core';
import type { OdeState } from './types.js';

/**
 * `y + Σᵢ cᵢ·kᵢ` on tuple states, component by component (terms with a zero
 * coefficient are skipped). The linear combination every Runge–Kutta stage is made of.
 *
 * @example
 * ```ts
 * const y1 = combine([z, logp], [[h / 2, k1], [h / 2, k2]]); // [z + h/2 (k1z + k2z), logp + …]
 * ```
 */
export const combine = (
  y: OdeState,
  terms: readonly (readonly [number, OdeState])[],
): tf.Tensor[] =>
  y.map((yi, i) => {
    const parts = terms.filter(([c]) => c !== 0).map(([c, k]) => tf.mul(c, k[i]!));
    return parts.length === 0
      ? tf.clone(yi)
      : tf.add(yi, parts.length === 1 ? parts[0]! : tf.addN(parts));
  });

/**
 * Flatten a tuple state into one `[n]` vector (components in order, each row-major).
 * {@link unpackState} inverts it given the shapes. Used by the adjoint method,
 * whose `tf.customGrad` needs a single output tensor.
 *
 * @example
 * ```ts
 * const v = packState([tf.zeros([4, 2]), tf.zeros([4])]); // [12]
 * ```
 */
export const packState = (y: OdeState): tf.Tensor1D =>
  (y.length === 1
    ? tf.reshape(y[0]!, [-1])
    : tf.concat(y.map((t) => tf.reshape(t, [-1])))) as tf.Tensor1D;

/**
 * Split a packed vector back into tensors of the given shapes (inverse of {@link packState}).
 *
 * @example
 * ```ts
 * const [z, logp] = unpackState(v, [[4, 2], [4]]);
 * ```
 */
export const unpackState = (
  packed: tf.Tensor,
  shapes: readonly (readonly number[])[],
): tf.Tensor[] => {
  const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
  const parts = shapes.length === 1 ? [packed] : tf.split(packed, sizes);
  return parts.map((p, i) => tf.reshape(p, [...shapes[i]!]));
};
