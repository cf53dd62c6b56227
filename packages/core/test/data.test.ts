import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tf } from '../src/index.js';
import {
  batchFromArray,
  batchFromRows,
  formatCsv,
  parseCsv,
  rowsFromArray,
  splitRows,
  standardizeRows,
  standardizeStats,
} from '../src/data/index.js';
import { readCsvFile } from '../src/node.js';
import { freshFolder } from './serializationFixtures.js';

const right = <T>(r: E.Either<Error, T>): T => {
  if (E.isLeft(r)) throw r.left;
  return r.right;
};
const left = <T>(r: E.Either<Error, T>): Error & { kind?: string; argument?: string } => {
  if (E.isRight(r)) throw new Error(`expected a Left, got ${JSON.stringify(r.right)}`);
  return r.left;
};

describe('parseCsv', () => {
  it('reads numbers with or without a header, CSV or TSV, CRLF and blank lines', () => {
    expect(right(parseCsv('x,y\n1,2\n3.5,-4e-2\n'))).toEqual({
      columns: ['x', 'y'],
      rows: [
        [1, 2],
        [3.5, -0.04],
      ],
    });
    expect(right(parseCsv('1,2\r\n\r\n3,4'))).toEqual({
      columns: undefined,
      rows: [
        [1, 2],
        [3, 4],
      ],
    });
    expect(right(parseCsv('"a b"\tc\n1\t2\n'))).toEqual({ columns: ['a b', 'c'], rows: [[1, 2]] });
    expect(right(parseCsv('1;2\n3;4', { delimiter: ';' })).rows).toEqual([
      [1, 2],
      [3, 4],
    ]);
    // A forced header drops a numeric first line; a forced no-header reports the text as bad data.
    expect(right(parseCsv('1,2\n3,4', { header: true }))).toEqual({
      columns: ['1', '2'],
      rows: [[3, 4]],
    });
    expect(left(parseCsv('x,y\n3,4', { header: false })).message).toContain('line 1, column 1');
  });

  it('names line and column (and header name) for a non-number, and both widths for a ragged row', () => {
    const bad = left(parseCsv('a,b,c\n1,2,3\n4,oops,6\n', { source: 'data.csv' }));
    expect(bad.kind).toBe('ValueError');
    expect(bad.message).toBe("data.csv line 3, column 2 (b): expected a finite number, got 'oops'");
    const ragged = left(parseCsv('1,2,3\n4,5\n'));
    expect(ragged.kind).toBe('ShapeError');
    expect(ragged.message).toBe('csv line 2: expected 3 fields (as on line 1), got 2 fields');
    // Empty fields, NaN, Infinity and hex are refused rather than read as 0 or non-finite values.
    for (const field of ['', 'NaN', 'Infinity', '0x10', '1e999'])
      expect(left(parseCsv(`1,2\n3,${field}\n`)).message).toContain('line 2, column 2');
    expect(left(parseCsv('\n \n')).kind).toBe('ShapeError');
    expect(left(parseCsv('x,y\n')).kind).toBe('ShapeError');
    expect(left(parseCsv('1,2', { delimiter: '::' })).kind).toBe('ValueError');
  });

  it('refuses input that is not text (a JavaScript caller) with a Left', () => {
    const r = parseCsv(42 as unknown as string);
    expect(E.isLeft(r) && r.left.kind).toBe('ValueError');
  });

  it('round-trips any table of finite numbers through formatCsv (property)', () => {
    const table = fc
      .tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 20 }))
      .chain(([cols, n]) =>
        fc.record({
          rows: fc.array(
            fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), {
              minLength: cols,
              maxLength: cols,
            }),
            {
              minLength: n,
              maxLength: n,
            },
          ),
          delimiter: fc.constantFrom(',', '\t', ';'),
          header: fc.boolean(),
        }),
      );
    fc.assert(
      fc.property(table, ({ rows, delimiter, header }) => {
        const columns = header ? rows[0]!.map((_, j) => `c${j}`) : undefined;
        const text = formatCsv(rows, { delimiter, ...(columns === undefined ? {} : { columns }) });
        const back = right(parseCsv(text, { delimiter }));
        // -0 prints as "0": compare numerically (Object.is would fail only on the sign of zero).
        expect(back.rows.map((r) => r.map((v) => v + 0))).toEqual(
          rows.map((r) => r.map((v) => v + 0)),
        );
        expect(back.columns).toEqual(columns);
      }),
      { numRuns: 200 },
    );
  });

  it('readCsvFile names the file in errors and refuses folders and missing files', async () => {
    const dir = freshFolder();
    const file = join(dir, 'd.csv');
    writeFileSync(file, 'a,b\n1,2\n3,x\n');
    expect(left(await readCsvFile(file)()).message).toContain(`${file} line 3, column 2 (b)`);
    writeFileSync(file, 'a,b\n1,2\n');
    expect(right(await readCsvFile(file)()).rows).toEqual([[1, 2]]);
    expect(left(await readCsvFile(dir)()).message).toContain('not a file');
    expect(left(await readCsvFile(join(dir, 'none.csv'))()).message).toContain('none.csv');
    expect(left(await readCsvFile(file, { maxBytes: 3 })()).message).toContain('at most 3 bytes');
  });
});

describe('rows and tensors from arrays', () => {
  it('cuts plain and typed arrays into rows and [n, cols] tensors, refusing bad lengths and values', () => {
    const before = tf.memory().numTensors;
    expect(right(rowsFromArray(new Float64Array([1, 2, 3, 4, 5, 6]), 3))).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const x = right(batchFromArray(new Int32Array([1, 2, 3, 4]), 2));
    expect(x.shape).toEqual([2, 2]);
    expect(x.dtype).toBe('float32');
    expect(Array.from(x.dataSync())).toEqual([1, 2, 3, 4]);
    x.dispose();
    const y = right(
      batchFromRows([
        [1, 2],
        [3, 4],
      ]),
    );
    expect(y.arraySync()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    y.dispose();
    expect(left(rowsFromArray([1, 2, 3], 2)).kind).toBe('ShapeError');
    expect(left(rowsFromArray([1, Number.NaN], 2)).message).toContain('NaN at row 0, column 1');
    expect(left(batchFromArray([1, 2], 0)).kind).toBe('ValueError');
    expect(left(batchFromRows([[1, 2], [3]])).message).toContain('rows[1]');
    expect(left(batchFromRows([])).kind).toBe('ShapeError');
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('splitRows', () => {
  const rows = Array.from({ length: 103 }, (_, i) => [i]);

  it('partitions the rows: sizes from the fractions, every row exactly once', () => {
    const s = right(splitRows(rows, { validation: 0.2, test: 0.1, seed: 5 }));
    expect([s.train.length, s.validation.length, s.test.length]).toEqual([72, 21, 10]);
    const all = [...s.train, ...s.validation, ...s.test].map((r) => r[0]!).sort((a, b) => a - b);
    expect(all).toEqual(rows.map((r) => r[0]));
  });

  it('is deterministic in the seed and differs between seeds (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 3, max: 200 }),
        (seed, n) => {
          const data = Array.from({ length: n }, (_, i) => i);
          const a = right(splitRows(data, { seed }));
          const b = right(splitRows(data, { seed }));
          expect(a).toEqual(b);
          expect(new Set([...a.train, ...a.validation, ...a.test]).size).toBe(n);
        },
      ),
      { numRuns: 100 },
    );
    const a = right(splitRows(rows, { seed: 1 }));
    const b = right(splitRows(rows, { seed: 2 }));
    expect(a.validation).not.toEqual(b.validation);
    // A shuffle, not a cut of the file order (a sorted file must not give the last rows to the test set).
    expect(a.train.map((r) => r[0])).not.toEqual(
      [...a.train.map((r) => r[0]!)].sort((x, y) => x - y),
    );
  });

  it('refuses fractions outside [0, 1), summing to 1, and splits that leave no training row', () => {
    expect(left(splitRows(rows, { validation: 1 })).message).toContain('options.validation');
    expect(left(splitRows(rows, { test: -0.1 })).message).toContain('options.test');
    expect(left(splitRows(rows, { validation: 0.5, test: 0.5 })).kind).toBe('ValueError');
    expect(left(splitRows([[1]], { validation: 0.5, test: 0.4 })).message).toContain('1 rows');
    expect(left(splitRows(rows, { seed: 0.5 })).message).toContain('options.seed');
  });
});

describe('standardizeStats', () => {
  it('gives the per-column mean and sample std, and flags constant columns with std 1', () => {
    const s = right(
      standardizeStats([
        [1, 10, 0],
        [3, 10, 0],
        [5, 10, 0],
      ]),
    );
    expect(s.mean).toEqual([3, 10, 0]);
    expect(s.std).toEqual([2, 1, 1]);
    expect(s.constantColumns).toEqual([1, 2]);
    const z = standardizeRows(
      [
        [1, 10, 0],
        [5, 10, 0],
      ],
      s,
    );
    expect(z).toEqual([
      [-1, 0, 0],
      [1, 0, 0],
    ]);
  });

  it('standardized training rows have mean 0 and std 1 (property)', () => {
    const rowsArb = fc.array(
      fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 2, maxLength: 2 }),
      {
        minLength: 2,
        maxLength: 50,
      },
    );
    fc.assert(
      fc.property(rowsArb, (data) => {
        const s = right(standardizeStats(data));
        const z = standardizeRows(data, s);
        for (let j = 0; j < 2; j++) {
          if (s.constantColumns.includes(j)) continue;
          const col = z.map((r) => r[j]!);
          const m = col.reduce((a, v) => a + v, 0) / col.length;
          const sd = Math.sqrt(col.reduce((a, v) => a + (v - m) ** 2, 0) / (col.length - 1));
          expect(Math.abs(m)).toBeLessThan(1e-6);
          expect(sd).toBeCloseTo(1, 6);
        }
      }),
    );
  });

  it('refuses no rows, ragged rows and non-finite values', () => {
    expect(left(standardizeStats([])).kind).toBe('ShapeError');
    expect(left(standardizeStats([[1, 2], [1]])).message).toContain('rows[1]');
    expect(
      left(
        standardizeStats([
          [1, 2],
          [1, Number.POSITIVE_INFINITY],
        ]),
      ).message,
    ).toContain('row 1, column 1');
  });
});
