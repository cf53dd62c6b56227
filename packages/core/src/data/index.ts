/**
 * `@bijective/core/data`: getting a table of numbers into a flow. Parse CSV
 * or TSV text ({@link parseCsv}), turn plain or typed arrays into rows or
 * tensors, split rows into seeded train / validation / test parts, and
 * compute standardization statistics from the training rows — which
 * `standardized` (re-exported here) builds into the flow itself, so its
 * densities and samples stay in the data's units. Browser-safe; the Node
 * file reader `readCsvFile` is in `@bijective/core/node`.
 *
 * @example
 * ```ts
 * import { parseCsv, splitRows, standardizeStats, standardized } from '@bijective/core/data';
 * const table = parseCsv(text);                                   // Either<BijectiveError, NumericTable>
 * const parts = splitRows(table.right.rows, { validation: 0.1, test: 0.1, seed: 0 });
 * const def = standardized(maf({ dim: 30 }), standardizeStats(parts.right.train).right);
 * ```
 */
export { type CsvOptions, type NumericTable, parseCsv, formatCsv } from './csv.js';
export {
  type FlatValues,
  type Rows,
  rowsFromArray,
  batchFromArray,
  batchFromRows,
} from './rows.js';
export { type SplitOptions, type Split, splitRows } from './split.js';
export { type StandardizeStats, standardizeStats, standardizeRows } from './standardize.js';
export {
  STANDARDIZED,
  type Standardization,
  type StandardizedConfig,
  standardized,
  withStandardized,
} from '../standardized.js';
