import * as E from 'fp-ts/lib/Either.js';
import { type BijectiveError, valueError } from '../errors.js';
import { mulberry32 } from '../random.js';

/** Options of {@link splitRows}. */
export interface SplitOptions {
  /** Fraction of rows for validation, in `[0, 1)` (default 0.1). */
  readonly validation?: number;
  /** Fraction of rows for the test set, in `[0, 1)` (default 0.1). */
  readonly test?: number;
  /** Seed of the shuffle (default 0): the same seed and rows give the same split. */
  readonly seed?: number;
}

/** The three parts of a split, each a subset of the input rows (in shuffled order). */
export interface Split<T> {
  readonly train: readonly T[];
  readonly validation: readonly T[];
  readonly test: readonly T[];
}

const fraction = (name: string, v: number): BijectiveError | undefined =>
  typeof v === 'number' && v >= 0 && v < 1
    ? undefined
    : valueError(`options.${name}`, 'a number in [0, 1)', String(v));

/**
 * Shuffle rows with a seeded Fisher–Yates shuffle (mulberry32) and cut them
 * into train / validation / test parts: `round(n·validation)` validation
 * rows, `round(n·test)` test rows and the rest for training. Deterministic
 * in `seed`; every row lands in exactly one part. `Left(ValueError)` for
 * fractions outside `[0, 1)`, summing to 1 or more, a non-integer seed, or
 * a split that leaves no training row.
 *
 * @example
 * ```ts
 * const s = splitRows(rows, { validation: 0.1, test: 0.1, seed: 0 });
 * if (E.isRight(s)) await fit(def, s.right.train, { validation: s.right.validation });
 * ```
 */
export const splitRows = <T>(
  rows: readonly T[],
  options: SplitOptions = {},
): E.Either<BijectiveError, Split<T>> => {
  const v = options.validation ?? 0.1;
  const t = options.test ?? 0.1;
  const seed = options.seed ?? 0;
  const bad = fraction('validation', v) ?? fraction('test', t);
  if (bad !== undefined) return E.left(bad);
  if (!(v + t < 1)) return E.left(valueError('options', 'validation + test < 1', String(v + t)));
  if (!Number.isSafeInteger(seed))
    return E.left(valueError('options.seed', 'an integer', String(seed)));
  const n = rows.length;
  const nVal = Math.round(n * v);
  const nTest = Math.round(n * t);
  if (n - nVal - nTest < 1)
    return E.left(
      valueError(
        'rows',
        `enough rows to leave one for training (${nVal} + ${nTest} held out)`,
        `${n} rows`,
      ),
    );
  const order = Array.from({ length: n }, (_, i) => i);
  const rand = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const pick = (from: number, to: number) => order.slice(from, to).map((i) => rows[i]!);
  return E.right({
    validation: pick(0, nVal),
    test: pick(nVal, nVal + nTest),
    train: pick(nVal + nTest, n),
  });
};
