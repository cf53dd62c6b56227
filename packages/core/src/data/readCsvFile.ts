import { readFile, stat } from 'node:fs/promises';
import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import { type BijectiveError, valueError } from '../errors.js';
import { type CsvOptions, type NumericTable, parseCsv } from './csv.js';

/** The largest file {@link readCsvFile} reads by default: 1 GiB. */
export const MAX_CSV_BYTES = 2 ** 30;

/**
 * Read and parse a CSV/TSV file of numbers (Node only): {@link parseCsv}
 * with `source` set to the path, so errors name the file, line and column.
 * `Left(ValueError)` when the path is missing, not a regular file or larger
 * than `maxBytes`; never rejects.
 *
 * @example
 * ```ts
 * const t = await readCsvFile('data.csv')(); // Either<BijectiveError, NumericTable>
 * ```
 */
export const readCsvFile =
  (
    path: string,
    options: CsvOptions & { readonly maxBytes?: number } = {},
  ): TE.TaskEither<BijectiveError, NumericTable> =>
  async () => {
    const max = options.maxBytes ?? MAX_CSV_BYTES;
    try {
      const s = await stat(path);
      if (!s.isFile())
        return E.left(valueError('path', 'a regular file', `'${path}' is not a file`));
      if (s.size > max)
        return E.left(valueError('path', `a file of at most ${max} bytes`, `${s.size} bytes`));
      return parseCsv(await readFile(path, 'utf8'), { ...options, source: options.source ?? path });
    } catch (e) {
      return E.left(
        valueError(
          'path',
          'a readable file',
          `${path}: ${e instanceof Error ? e.message : String(e)}`,
        ),
      );
    }
  };
