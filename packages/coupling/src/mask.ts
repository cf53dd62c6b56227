import * as E from 'fp-ts/lib/Either.js';
import { type BijectiveError, valueError } from '@bijective/core';
import { randomPermutationIndices } from '@bijective/core/params';

/**
 * How a coupling layer splits the coordinates: `conditioning` indices pass
 * through unchanged and feed the conditioner; `transformed` indices are
 * transformed elementwise with parameters computed from the conditioning
 * ones. Together they partition `0..dim-1`, both non-empty, each sorted.
 * A mask is fixed structure (it lives in a closure), never a parameter.
 */
export type CouplingMask = {
  readonly dim: number;
  readonly conditioning: readonly number[];
  readonly transformed: readonly number[];
};

const fromFlags = (transformed: readonly boolean[]): CouplingMask => ({
  dim: transformed.length,
  conditioning: transformed.flatMap((t, i) => (t ? [] : [i])),
  transformed: transformed.flatMap((t, i) => (t ? [i] : [])),
});

const checkDim = (dim: number): void => {
  if (!(Number.isInteger(dim) && dim >= 2))
    throw valueError('dim', 'an integer ≥ 2 (a coupling needs both parts)', String(dim));
};

/**
 * A mask from one flag per coordinate (`true` = transformed), validated:
 * `Left(ValueError)` unless both parts are non-empty.
 *
 * @example
 * ```ts
 * const m = couplingMask([true, false, false, true]); // Right({ conditioning: [1, 2], transformed: [0, 3] })
 * ```
 */
export const couplingMask = (
  transformed: readonly boolean[],
): E.Either<BijectiveError, CouplingMask> => {
  const m = fromFlags(transformed);
  return m.conditioning.length === 0 || m.transformed.length === 0
    ? E.left(
        valueError(
          'transformed',
          'at least one transformed and one conditioning coordinate',
          `[${transformed.join(', ')}]`,
        ),
      )
    : E.right(m);
};

/**
 * The even/odd mask of RealNVP (Dinh, Sohl-Dickstein & Bengio, 2017) for
 * vectors, zuko's convention: coordinates with `i % 2 === parity` condition,
 * the others are transformed. Alternating `parity` between layers transforms
 * every coordinate (every second layer).
 *
 * @throws `BijectiveError` (ValueError) if `dim < 2`.
 * @example
 * ```ts
 * alternatingMask(4, 0); // conditioning [0, 2], transformed [1, 3]
 * alternatingMask(4, 1); // conditioning [1, 3], transformed [0, 2]
 * ```
 */
export const alternatingMask = (dim: number, parity: number): CouplingMask => {
  checkDim(dim);
  const p = ((parity % 2) + 2) % 2;
  return fromFlags(Array.from({ length: dim }, (_, i) => i % 2 !== p));
};

/**
 * Contiguous halves, NICE's original split (Dinh, Krueger & Bengio, 2014):
 * the first `⌊dim/2⌋` coordinates condition and the rest are transformed,
 * or the other way round with `flip`.
 *
 * @throws `BijectiveError` (ValueError) if `dim < 2`.
 * @example
 * ```ts
 * halfMask(5, false); // conditioning [0, 1], transformed [2, 3, 4]
 * halfMask(5, true);  // conditioning [2, 3, 4], transformed [0, 1]
 * ```
 */
export const halfMask = (dim: number, flip: boolean): CouplingMask => {
  checkDim(dim);
  const half = Math.floor(dim / 2);
  return fromFlags(Array.from({ length: dim }, (_, i) => i >= half !== flip));
};

/**
 * A random fixed partition: `⌊dim/2⌋` coordinates chosen uniformly (seeded
 * Fisher–Yates, identical on every backend) condition, the rest are
 * transformed. Never trained.
 *
 * @throws `BijectiveError` (ValueError) if `dim < 2`.
 * @example
 * ```ts
 * const m = randomMask(6, 42); // 3 conditioning and 3 transformed coordinates
 * ```
 */
export const randomMask = (dim: number, seed: number): CouplingMask => {
  checkDim(dim);
  const chosen = new Set(randomPermutationIndices(dim, seed).slice(0, Math.floor(dim / 2)));
  return fromFlags(Array.from({ length: dim }, (_, i) => !chosen.has(i)));
};
