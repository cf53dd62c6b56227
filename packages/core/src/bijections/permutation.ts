import * as E from 'fp-ts/lib/Either.js';
import { tf } from '../tf.js';
import type { Bijection } from '../bijection.js';
import { type BijectiveError, valueError } from '../errors.js';
import { randomPermutationIndices } from '../random.js';
import { selectColumns } from '../ops/selectColumns.js';

const unchecked = (perm: readonly number[]): Bijection => {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return {
    forward: (x) => ({ y: selectColumns(x, perm), logDet: tf.zeros([x.shape[0]]) }),
    inverse: (y) => ({ x: selectColumns(y, inv), logDet: tf.zeros([y.shape[0]]) }),
  };
};

/**
 * Reorder coordinates: `yᵢ = x_{perm[i]}`; volume preserving, `log|det J| = 0`.
 * Returns `Left(ValueError)` unless `perm` is a permutation of `0..n-1`.
 *
 * @example
 * ```ts
 * const swap = permutation([1, 0]); // Right(bijection)
 * ```
 */
export const permutation = (perm: readonly number[]): E.Either<BijectiveError, Bijection> => {
  const seen = new Set(perm);
  const ok =
    perm.every((p) => Number.isInteger(p) && p >= 0 && p < perm.length) &&
    seen.size === perm.length;
  return ok
    ? E.right(unchecked(perm))
    : E.left(valueError('perm', `a permutation of 0..${perm.length - 1}`, `[${perm.join(', ')}]`));
};

/**
 * Reverse the coordinates, `yᵢ = x_{d-1-i}`: the usual ordering flip between
 * coupling or autoregressive layers.
 *
 * @example
 * ```ts
 * compose(couplingA, reversePermutation(4), couplingB);
 * ```
 */
export const reversePermutation = (dim: number): Bijection =>
  unchecked(Array.from({ length: dim }, (_, i) => dim - 1 - i));

/**
 * A uniformly random permutation fixed by `seed` (Fisher–Yates on a seeded
 * PRNG, so it is the same on every backend). Not a parameter: it is never trained.
 *
 * @example
 * ```ts
 * const shuffle = randomPermutation(8, 42);
 * ```
 */
export const randomPermutation = (dim: number, seed: number): Bijection =>
  unchecked(randomPermutationIndices(dim, seed));
