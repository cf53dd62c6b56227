import * as E from 'fp-ts/lib/Either.js';
import { tf } from '../tf.js';
import type { Batch } from '../bijection.js';
import { type BijectiveError, shapeError, valueError } from '../errors.js';

/** Row-major numbers: a plain array or any typed array of numbers. */
export type FlatValues = readonly number[] | Float32Array | Float64Array | Int32Array | Uint8Array;

/** Rows of numbers, `rows[i][j]`. */
export type Rows = readonly (readonly number[])[];

const checkFlat = (
  argument: string,
  values: FlatValues,
  cols: number,
): BijectiveError | undefined => {
  if (!(Number.isSafeInteger(cols) && cols > 0))
    return valueError('cols', 'a positive integer', String(cols));
  if (values.length === 0 || values.length % cols !== 0)
    return shapeError(
      argument,
      `a non-empty multiple of ${cols} values (rows × ${cols})`,
      `${values.length} values`,
    );
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v))
      return valueError(
        argument,
        'finite values',
        `${v} at row ${Math.floor(i / cols)}, column ${i % cols}`,
      );
  }
  return undefined;
};

/**
 * Cut row-major numbers (a plain or typed array, e.g. a `Float64Array` from
 * another library) into rows of `cols` values. `Left(ShapeError)` when the
 * length is zero or not a multiple of `cols`, `Left(ValueError)` for a
 * non-finite value (naming its row and column, 0-based) or a bad `cols`.
 *
 * @example
 * ```ts
 * rowsFromArray(new Float64Array([1, 2, 3, 4]), 2); // Right([[1, 2], [3, 4]])
 * ```
 */
export const rowsFromArray = (values: FlatValues, cols: number): E.Either<BijectiveError, Rows> => {
  const bad = checkFlat('values', values, cols);
  if (bad !== undefined) return E.left(bad);
  return E.right(
    Array.from({ length: values.length / cols }, (_, i) =>
      Array.from(values.slice(i * cols, (i + 1) * cols)),
    ),
  );
};

/**
 * A `[rows, cols]` float32 tensor from row-major numbers (plain or typed
 * array), validated as {@link rowsFromArray}. The tensor belongs to the caller.
 *
 * @example
 * ```ts
 * const x = batchFromArray(new Float32Array([1, 2, 3, 4]), 2); // Right(Tensor2D [2, 2])
 * ```
 */
export const batchFromArray = (
  values: FlatValues,
  cols: number,
): E.Either<BijectiveError, Batch> => {
  const bad = checkFlat('values', values, cols);
  if (bad !== undefined) return E.left(bad);
  return E.right(tf.tensor2d(Float32Array.from(values), [values.length / cols, cols], 'float32'));
};

/**
 * A `[rows, cols]` float32 tensor from rows of numbers: `Left(ShapeError)`
 * for no rows or ragged rows (naming the first row whose length differs),
 * `Left(ValueError)` for a non-finite value. The tensor belongs to the caller.
 *
 * @example
 * ```ts
 * const x = batchFromRows([[1, 2], [3, 4]]); // Right(Tensor2D [2, 2])
 * ```
 */
export const batchFromRows = (rows: Rows): E.Either<BijectiveError, Batch> => {
  if (rows.length === 0) return E.left(shapeError('rows', 'at least one row', 'none'));
  const cols = rows[0]!.length;
  const ragged = rows.findIndex((r) => r.length !== cols);
  if (ragged >= 0)
    return E.left(
      shapeError(
        `rows[${ragged}]`,
        `${cols} values (as rows[0])`,
        `${rows[ragged]!.length} values`,
      ),
    );
  return batchFromArray(rows.flat(), cols);
};
