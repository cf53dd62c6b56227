import * as E from 'fp-ts/lib/Either.js';
import { tf } from './tf.js';
import type { Batch } from './bijection.js';
import { type BijectiveError, shapeError, valueError } from './errors.js';

/** What public functions accept as a batch: a `[batch, dim]` tensor or nested arrays. */
export type BatchLike = tf.Tensor | readonly (readonly number[])[];

const describeShape = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/**
 * Check that `value` is a non-empty, finite `[batch, dim]` batch (and, when
 * `rows` is given, that it has that many rows). Arrays become new tensors
 * owned by the caller; a tensor comes back as itself (never copied).
 */
export const validateBatch = (
  argument: string,
  value: BatchLike,
  dim: number,
  rows?: number,
): E.Either<BijectiveError, Batch> => {
  let shape: number[];
  if (value instanceof tf.Tensor) {
    shape = value.shape;
  } else {
    if (!Array.isArray(value))
      return E.left(shapeError(argument, `a [batch, ${dim}] tensor or array`, typeof value));
    const widths = new Set(value.map((r) => (Array.isArray(r) ? r.length : -1)));
    if (widths.has(-1))
      return E.left(
        shapeError(argument, `a [batch, ${dim}] array of rows`, 'a row that is not an array'),
      );
    if (widths.size > 1)
      return E.left(
        shapeError(
          argument,
          `rows of length ${dim}`,
          `ragged rows of lengths ${[...widths].join(', ')}`,
        ),
      );
    shape = [value.length, value.length === 0 ? dim : value[0]!.length];
  }
  if (shape.length !== 2)
    return E.left(
      shapeError(
        argument,
        `rank 2 [batch, ${dim}]`,
        `rank ${shape.length} ${describeShape(shape)}`,
      ),
    );
  if (shape[0] === 0)
    return E.left(
      shapeError(argument, `a non-empty batch [batch > 0, ${dim}]`, describeShape(shape)),
    );
  if (shape[1] !== dim)
    return E.left(shapeError(argument, `[batch, ${dim}]`, describeShape(shape)));
  if (rows !== undefined && shape[0] !== rows)
    return E.left(
      shapeError(argument, `[${rows}, ${dim}] (one row per data row)`, describeShape(shape)),
    );
  if (value instanceof tf.Tensor && value.dtype !== 'float32')
    return E.left(valueError(argument, 'dtype float32', `dtype ${value.dtype}`));
  const data =
    value instanceof tf.Tensor
      ? value.dataSync()
      : (value as readonly (readonly number[])[]).flat();
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) {
      const row = Math.floor(i / dim);
      return E.left(valueError(argument, 'finite values', `${v} at row ${row}, column ${i % dim}`));
    }
  }
  return E.right(
    value instanceof tf.Tensor
      ? (value as Batch)
      : tf.tensor2d(value as number[][], [shape[0]!, dim], 'float32'),
  );
};

/**
 * The one context check of the library: a context is required exactly when
 * `contextDim > 0`, and is then `[rows, contextDim]` (one row per data row;
 * `rows` `undefined` accepts any batch). Returns the error to report, or
 * `undefined` when the context's presence and shape are right. Every layer
 * and entry point that checks a context goes through this function (the
 * validated entry points via {@link validateContext}, raw bijections via
 * {@link requireContext}), so a wrong context gives the same `ShapeError`
 * (argument `context`) wherever it is caught.
 *
 * @example
 * ```ts
 * contextProblem(undefined, 3, 8)?.message; // "context: expected [8, 3] (one row per data row), got no context"
 * ```
 */
export const contextProblem = (
  context: { readonly shape: readonly number[] } | undefined,
  contextDim: number,
  rows: number | undefined,
): BijectiveError | undefined => {
  if (contextDim === 0)
    return context === undefined
      ? undefined
      : shapeError('context', 'no context (this flow is unconditional)', 'a context');
  const expected = `[${rows ?? 'batch'}, ${contextDim}] (one row per data row)`;
  if (context === undefined) return shapeError('context', expected, 'no context');
  const shape = context.shape;
  return shape.length === 2 && shape[1] === contextDim && (rows === undefined || shape[0] === rows)
    ? undefined
    : shapeError('context', expected, describeShape(shape));
};

/**
 * {@link contextProblem} for raw tensor functions (bijections, inside
 * `tf.tidy`): throws its `ShapeError`, which the validated entry points turn
 * into a `Left`.
 *
 * @throws `BijectiveError` (ShapeError, argument `context`) for a missing, unexpected or mis-shaped context.
 * @example
 * ```ts
 * requireContext(context, 3, x.shape[0]);
 * ```
 */
export const requireContext = (
  context: { readonly shape: readonly number[] } | undefined,
  contextDim: number,
  rows: number | undefined,
): void => {
  const problem = contextProblem(context, contextDim, rows);
  if (problem !== undefined) throw problem;
};

/**
 * Check the optional context of a conditional flow: required exactly when
 * `contextDim > 0`, with one row per data row ({@link contextProblem}'s
 * error), and then a finite float32 batch ({@link validateBatch}).
 */
export const validateContext = (
  context: BatchLike | undefined,
  contextDim: number,
  rows: number,
): E.Either<BijectiveError, Batch | undefined> => {
  if (context === undefined || contextDim === 0) {
    const problem = contextProblem(
      context === undefined ? undefined : { shape: [] },
      contextDim,
      rows,
    );
    return problem === undefined ? E.right(undefined) : E.left(problem);
  }
  const shape =
    context instanceof tf.Tensor
      ? context.shape
      : Array.isArray(context) && context.length > 0 && context.every((r) => Array.isArray(r))
        ? [context.length, context[0]!.length]
        : undefined;
  const problem = shape === undefined ? undefined : contextProblem({ shape }, contextDim, rows);
  if (problem !== undefined) return E.left(problem);
  return validateBatch('context', context, contextDim, rows);
};

/** A positive integer option, e.g. a sample count or a batch size. */
export const validatePositiveInt = (
  argument: string,
  n: number,
): E.Either<BijectiveError, number> =>
  Number.isInteger(n) && n > 0
    ? E.right(n)
    : E.left(valueError(argument, 'a positive integer', String(n)));
