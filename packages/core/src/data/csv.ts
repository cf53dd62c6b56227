import * as E from 'fp-ts/lib/Either.js';
import { type BijectiveError, shapeError, valueError } from '../errors.js';

/** Options of {@link parseCsv}. */
export interface CsvOptions {
  /**
   * The field separator (one character; default: `'\t'` when the first line has a tab and no
   * comma, else `','`).
   */
  readonly delimiter?: string;
  /**
   * Whether the first line names the columns: `true`, `false` or `'auto'` (default): a header
   * when some field of the first line is not a number while every field of the second is.
   */
  readonly header?: boolean | 'auto';
  /** Name of the text in error messages (a file name); default `'csv'`. */
  readonly source?: string;
}

/** A parsed table of numbers: `rows[i][j]` is line `i`'s value in column `j`. */
export interface NumericTable {
  /** Column names from the header line, or `undefined` when there was none. */
  readonly columns: readonly string[] | undefined;
  readonly rows: readonly (readonly number[])[];
}

/**
 * A field as a number: decimal or exponent notation (`-1.5e3`), `Infinity`, `NaN`, hex and
 * empty fields are refused, so that a missing value never becomes a silent 0.
 */
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

const toNumber = (field: string): number | undefined => {
  const t = field.trim();
  if (!NUMBER.test(t)) return undefined;
  const v = Number(t);
  return Number.isFinite(v) ? v : undefined;
};

const unquote = (field: string): string => {
  const t = field.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"')
    ? t.slice(1, -1).replace(/""/g, '"')
    : t;
};

/**
 * Parse delimited text of numbers (CSV, TSV) into rows: one row per non-blank
 * line (`\n` or `\r\n`; blank lines and a trailing newline are skipped), the
 * same number of fields on every line, every field a finite decimal number
 * (surrounding spaces allowed). A header line is detected or forced with
 * `options.header`; its names may be double-quoted. Data fields are not
 * quoted (numeric data needs no quotes; a quoted number is refused as text).
 *
 * Returns `Left(ShapeError)` for an empty text or a ragged row (naming the
 * line and both widths), `Left(ValueError)` for a field that is not a finite
 * number (naming the line, the 1-based column and its header name). Lines are
 * counted from 1 as an editor shows them.
 *
 * @example
 * ```ts
 * parseCsv('x,y\n1,2\n3,4\n'); // Right({ columns: ['x', 'y'], rows: [[1, 2], [3, 4]] })
 * parseCsv('1\t2\n3\tfoo', { source: 'a.tsv' });
 * // Left(ValueError: a.tsv line 2, column 2: expected a finite number, got 'foo')
 * ```
 */
export const parseCsv = (
  text: string,
  options: CsvOptions = {},
): E.Either<BijectiveError, NumericTable> => {
  const source = options.source ?? 'csv';
  const input: unknown = text;
  if (typeof input !== 'string') return E.left(valueError(source, 'text', typeof input));
  const lines: { readonly text: string; readonly number: number }[] = [];
  text.split(/\r?\n/).forEach((t, i) => {
    if (t.trim() !== '') lines.push({ text: t, number: i + 1 });
  });
  if (lines.length === 0)
    return E.left(shapeError(source, 'at least one line of numbers', 'no lines'));
  const first = lines[0]!.text;
  const delimiter =
    options.delimiter ?? (first.includes('\t') && !first.includes(',') ? '\t' : ',');
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r')
    return E.left(
      valueError(
        'options.delimiter',
        'one character other than a quote or newline',
        JSON.stringify(delimiter),
      ),
    );
  const split = (line: string): string[] => line.split(delimiter);
  const firstFields = split(first);
  const numericLine = (fields: readonly string[]) => fields.every((f) => toNumber(f) !== undefined);
  const header =
    options.header === 'auto' || options.header === undefined
      ? !numericLine(firstFields) && (lines.length < 2 || numericLine(split(lines[1]!.text)))
      : options.header;
  const columns = header ? firstFields.map(unquote) : undefined;
  const width = firstFields.length;
  const rows: number[][] = [];
  for (const line of header ? lines.slice(1) : lines) {
    const fields = split(line.text);
    if (fields.length !== width)
      return E.left(
        shapeError(
          `${source} line ${line.number}`,
          `${width} fields (as on line ${lines[0]!.number})`,
          `${fields.length} fields`,
        ),
      );
    const row: number[] = new Array<number>(width);
    for (let j = 0; j < width; j++) {
      const v = toNumber(fields[j]!);
      if (v === undefined) {
        const name = columns === undefined ? '' : ` (${columns[j]})`;
        return E.left(
          valueError(
            `${source} line ${line.number}, column ${j + 1}${name}`,
            'a finite number',
            `'${fields[j]!.trim()}'`,
          ),
        );
      }
      row[j] = v;
    }
    rows.push(row);
  }
  if (rows.length === 0)
    return E.left(shapeError(source, 'at least one data line after the header', 'none'));
  return E.right({ columns, rows });
};

/**
 * Write rows of numbers as CSV text (the inverse of {@link parseCsv}): one line per row, fields
 * joined by `delimiter` (default `','`), numbers in JavaScript's shortest round-trip form, an
 * optional header line, and a final newline.
 *
 * @example
 * ```ts
 * formatCsv([[1, 2.5]], { columns: ['a', 'b'] }); // 'a,b\n1,2.5\n'
 * ```
 */
export const formatCsv = (
  rows: readonly (readonly number[])[],
  options: { readonly delimiter?: string; readonly columns?: readonly string[] } = {},
): string => {
  const d = options.delimiter ?? ',';
  const head = options.columns === undefined ? '' : `${options.columns.join(d)}\n`;
  return head + rows.map((r) => `${r.map((v) => String(v)).join(d)}\n`).join('');
};
