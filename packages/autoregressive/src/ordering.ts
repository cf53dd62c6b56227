import { valueError } from '@bijective/core';
import { randomPermutationIndices } from '@bijective/core/params';

/**
 * The order in which an autoregressive transform generates its inputs:
 *
 * - `'natural'`: `x₀, x₁, …, x_{d-1}` (ascending, MADE's default);
 * - `'reversed'`: `x_{d-1}, …, x₀` (descending);
 * - `{ random: seed }`: a uniformly random order fixed by `seed` (Fisher–Yates on core's seeded PRNG);
 * - an explicit permutation `order` of `0..d-1`: `order[0]` is generated first, `order[d-1]` last.
 *
 * The order is fixed structure, never a parameter.
 *
 * @example
 * ```ts
 * affineAutoregressive({ dim: 3, ordering: 'reversed' });
 * affineAutoregressive({ dim: 3, ordering: { random: 7 } });
 * affineAutoregressive({ dim: 3, ordering: [2, 0, 1] });
 * ```
 */
export type Ordering = 'natural' | 'reversed' | { readonly random: number } | readonly number[];

/**
 * The generation order of an {@link Ordering} as an explicit permutation of
 * `0..dim-1` (`order[k]` is the input generated `k`-th). Throws a
 * `ValueError` (a `BijectiveError`) if an explicit order is not a permutation.
 *
 * @example
 * ```ts
 * resolveOrdering(3, 'reversed'); // [2, 1, 0]
 * ```
 */
export const resolveOrdering = (dim: number, ordering: Ordering = 'natural'): number[] => {
  if (ordering === 'natural') return Array.from({ length: dim }, (_, i) => i);
  if (ordering === 'reversed') return Array.from({ length: dim }, (_, i) => dim - 1 - i);
  if (Array.isArray(ordering)) {
    const order = ordering as readonly number[];
    const ok =
      order.length === dim &&
      order.every((p) => Number.isInteger(p) && p >= 0 && p < dim) &&
      new Set(order).size === dim;
    if (!ok)
      throw valueError('ordering', `a permutation of 0..${dim - 1}`, `[${order.join(', ')}]`);
    return [...order];
  }
  return randomPermutationIndices(dim, (ordering as { readonly random: number }).random);
};

/**
 * MADE input degrees (Germain, Gregor, Murray & Larochelle, "MADE: Masked
 * Autoencoder for Distribution Estimation", 2015): input `order[k]` gets
 * degree `k + 1`, so output `i` may depend on input `j` only if
 * `degree[j] < degree[i]`.
 *
 * @example
 * ```ts
 * inputDegrees([2, 0, 1]); // [2, 3, 1]
 * ```
 */
export const inputDegrees = (order: readonly number[]): number[] => {
  const degrees = new Array<number>(order.length).fill(0);
  order.forEach((input, k) => (degrees[input] = k + 1));
  return degrees;
};

/**
 * Degrees of a hidden layer of `size` units for `dim` inputs, cycling
 * through `1..d-1` (as nflows and zuko do): `m_k = (k mod max(1, d-1)) + min(1, d-1)`.
 * With `size ≥ d - 1` every degree occurs, so every output `i` keeps a path
 * from every input `j` with `degree[j] < degree[i]`. For `d = 1` all hidden
 * degrees are 0: the hidden units see only the context, as they must.
 *
 * @example
 * ```ts
 * hiddenDegrees(5, 3); // [1, 2, 1, 2, 1]
 * ```
 */
export const hiddenDegrees = (size: number, dim: number): number[] => {
  const max = Math.max(1, dim - 1);
  const min = Math.min(1, dim - 1);
  return Array.from({ length: size }, (_, k) => (k % max) + min);
};

/**
 * A MADE connectivity mask `[in, out]` (row-major `Float32Array`) between
 * units of degrees `inDeg` and `outDeg`: `M[j, k] = 1` iff `outDeg[k] ≥ inDeg[j]`
 * for hidden layers, and iff `outDeg[k] > inDeg[j]` (strict) for the output layer.
 *
 * @example
 * ```ts
 * maskMatrix([1, 2], [1, 1, 2], false); // [1,1,1, 0,0,1]
 * ```
 */
export const maskMatrix = (
  inDeg: readonly number[],
  outDeg: readonly number[],
  strict: boolean,
): Float32Array => {
  const m = new Float32Array(inDeg.length * outDeg.length);
  inDeg.forEach((a, j) =>
    outDeg.forEach((b, k) => {
      m[j * outDeg.length + k] = (strict ? b > a : b >= a) ? 1 : 0;
    }),
  );
  return m;
};
