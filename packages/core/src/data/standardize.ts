import * as E from 'fp-ts/lib/Either.js';
import { type BijectiveError, shapeError, valueError } from '../errors.js';
import type { Rows } from './rows.js';

/**
 * Per-column statistics of a training set: `z = (x − mean) / std`. Plain
 * JSON numbers, so they can be stored in a flow's config (see `standardized`).
 */
export interface StandardizeStats {
  readonly mean: readonly number[];
  /** Positive; 1 for a constant column (see {@link standardizeStats}). */
  readonly std: readonly number[];
  /** 0-based indices of the columns that were constant on the training rows (std set to 1). */
  readonly constantColumns: readonly number[];
}

/**
 * Per-column mean and standard deviation of training rows, computed in
 * double precision (two passes): `meanⱼ = Σᵢ xᵢⱼ / n`,
 * `stdⱼ = sqrt(Σᵢ (xᵢⱼ − meanⱼ)² / (n − 1))` (the sample std; 0 for one row).
 * A column whose std is 0 or below `1e-12 · max(1, |meanⱼ|)` is constant:
 * its std is set to 1 (so the map stays a bijection with a finite log-det)
 * and its index is listed in `constantColumns` — a flow cannot fit a
 * point mass, so drop such columns before training. Use the training rows
 * only, so that validation and test scores stay honest.
 *
 * `Left(ShapeError)` for no rows or ragged rows, `Left(ValueError)` for a
 * non-finite value (naming row and column).
 *
 * @example
 * ```ts
 * const s = standardizeStats([[1, 10], [3, 10]]);
 * // Right({ mean: [2, 10], std: [1.414…, 1], constantColumns: [1] })
 * ```
 */
export const standardizeStats = (rows: Rows): E.Either<BijectiveError, StandardizeStats> => {
  if (rows.length === 0) return E.left(shapeError('rows', 'at least one row', 'none'));
  const d = rows[0]!.length;
  if (d === 0) return E.left(shapeError('rows', 'at least one column', 'rows of length 0'));
  const mean = new Array<number>(d).fill(0);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (r.length !== d)
      return E.left(shapeError(`rows[${i}]`, `${d} values (as rows[0])`, `${r.length} values`));
    for (let j = 0; j < d; j++) {
      const v = r[j]!;
      if (!Number.isFinite(v))
        return E.left(valueError('rows', 'finite values', `${v} at row ${i}, column ${j}`));
      mean[j]! += v;
    }
  }
  for (let j = 0; j < d; j++) mean[j]! /= rows.length;
  const ss = new Array<number>(d).fill(0);
  for (const r of rows) for (let j = 0; j < d; j++) ss[j]! += (r[j]! - mean[j]!) ** 2;
  const constantColumns: number[] = [];
  const std = ss.map((s, j) => {
    const sd = rows.length > 1 ? Math.sqrt(s / (rows.length - 1)) : 0;
    if (!(sd > 1e-12 * Math.max(1, Math.abs(mean[j]!)))) {
      constantColumns.push(j);
      return 1;
    }
    return sd;
  });
  return E.right({ mean, std, constantColumns });
};

/**
 * Apply statistics to rows: `zᵢⱼ = (xᵢⱼ − meanⱼ) / stdⱼ` (for models that do
 * not wrap the map into the flow; `standardized` does it inside the flow).
 *
 * @example
 * ```ts
 * standardizeRows([[3, 10]], { mean: [2, 10], std: [1, 1], constantColumns: [1] }); // [[1, 0]]
 * ```
 */
export const standardizeRows = (
  rows: Rows,
  stats: Pick<StandardizeStats, 'mean' | 'std'>,
): number[][] => rows.map((r) => r.map((v, j) => (v - stats.mean[j]!) / stats.std[j]!));
