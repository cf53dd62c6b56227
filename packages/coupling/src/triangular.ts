import { tf } from '@bijective/core';

/**
 * The inverse of a lower-triangular `[d, d]` matrix with non-zero diagonal,
 * by forward substitution, one row at a time (tfjs has no triangular solve):
 *
 *   `(L⁻¹)ᵢ = (eᵢ - Σ_{j<i} Lᵢⱼ (L⁻¹)ⱼ) / Lᵢᵢ`
 *
 * Built from slices, matMuls and concats only, so it is differentiable
 * (gradients flow to every entry of `L`). `d` sequential steps, each
 * independent of any batch: meant for the small matrices of a flow's
 * linear layers (`d ≤ 64` or so); apply the result with one matMul.
 * Entries above the diagonal of `L` are ignored. For an upper-triangular
 * `U`, use `U⁻¹ = (lowerTriangularInverse(Uᵀ))ᵀ`.
 *
 * @example
 * ```ts
 * const l = tf.tensor2d([[2, 0], [1, 1]]);
 * lowerTriangularInverse(l); // [[0.5, 0], [-0.5, 1]]
 * ```
 */
export const lowerTriangularInverse = (l: tf.Tensor2D): tf.Tensor2D => {
  const d = l.shape[0];
  const eye = tf.eye(d);
  const unit = (i: number) => tf.slice(eye, [i, 0], [1, d]);
  const diag = (i: number) => tf.slice(l, [i, i], [1, 1]);
  let inv: tf.Tensor2D = tf.div(unit(0), diag(0));
  for (let i = 1; i < d; i++) {
    const row = tf.div(
      tf.sub(unit(i), tf.matMul(tf.slice(l, [i, 0], [1, i]), inv)),
      diag(i),
    ) as tf.Tensor2D;
    inv = tf.concat([inv, row], 0);
  }
  return inv;
};
