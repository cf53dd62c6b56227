import * as E from 'fp-ts/lib/Either.js';
import { writeFile } from 'node:fs/promises';
import { type FlowDef, type Params, disposeParams } from '@bijective/core';
import type { NumericTable } from '@bijective/core/data';
import { loadFlow, readCsvFile } from '@bijective/core/node';
import { type Failure, fromError, runtime, usage } from './failure.js';
import { builders } from './flows.js';

/** Where a command writes: data to `out` (stdout), progress and messages to `err` (stderr). */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/**
 * Read a CSV/TSV file of numbers (header detected), and check its width when
 * `dim` is given. Every problem is a usage failure naming the file.
 */
export const readTable = async (
  path: string,
  dim?: number,
): Promise<E.Either<Failure, NumericTable>> => {
  const t = await readCsvFile(path)();
  if (E.isLeft(t)) return E.left(usage(t.left.message));
  const width = t.right.rows[0]!.length;
  if (dim !== undefined && width !== dim)
    return E.left(usage(`${path}: expected ${dim} columns (the model's dimension), got ${width}`));
  return t;
};

/** Load a model folder saved by `bijective fit` (or any preset saved with `saveFlow`). */
export const readModel = async (
  dir: string,
): Promise<E.Either<Failure, { readonly def: FlowDef<Params>; readonly params: Params }>> => {
  const r = await loadFlow(dir, builders)();
  return E.isLeft(r) ? E.left(fromError(`model '${dir}'`, r.left)) : E.right(r.right);
};

/**
 * {@link readModel} for the commands that take no context (`logprob`,
 * `sample`): a conditional model is refused (its parameters released) with a
 * runtime failure saying what the command `does`.
 *
 * @example
 * ```ts
 * const model = await readUnconditionalModel('model/', 'scores');
 * ```
 */
export const readUnconditionalModel = async (
  dir: string,
  does: string,
): Promise<E.Either<Failure, { readonly def: FlowDef<Params>; readonly params: Params }>> => {
  const model = await readModel(dir);
  if (E.isLeft(model) || model.right.def.contextDim === 0) return model;
  disposeParams(model.right.params);
  return E.left(
    runtime(
      `the model is conditional (context width ${model.right.def.contextDim}); the command ${does} unconditional models only`,
    ),
  );
};

/** Write text to a file (`--out`) or to stdout. */
export const emit = async (
  io: Io,
  text: string,
  file: string | undefined,
): Promise<E.Either<Failure, void>> => {
  if (file === undefined) {
    io.out(text);
    return E.right(undefined);
  }
  try {
    await writeFile(file, text);
    return E.right(undefined);
  } catch (e) {
    return E.left(
      runtime(`could not write '${file}': ${e instanceof Error ? e.message : String(e)}`),
    );
  }
};
