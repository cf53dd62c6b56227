import { tf } from '@bijective/core';

/**
 * The permutation that swaps the last two axes of a rank-`rank` tensor and
 * keeps the leading (batch) axes in place: `[0, 1, …, r-3, r-1, r-2]`.
 * This is the transpose that `matMul`'s `transposeA` / `transposeB` flags
 * stand for.
 *
 * @example
 * ```ts
 * swapLastTwoPerm(2); // [1, 0]
 * swapLastTwoPerm(3); // [0, 2, 1]
 * ```
 */
export const swapLastTwoPerm = (rank: number): number[] => {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
};

/**
 * `xᵀ` over the last two axes, as a materialised tensor: `[…, m, n]` → `[…, n, m]`.
 * One `Transpose` kernel call; on the wasm backend this copy is far cheaper
 * than asking `matMul` to read its operand transposed.
 *
 * @example
 * ```ts
 * const a = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
 * transposeLastTwo(a).shape; // [3, 2]
 * ```
 */
export const transposeLastTwo = <T extends tf.Tensor>(x: T): T =>
  tf.transpose(x, swapLastTwoPerm(x.rank));
