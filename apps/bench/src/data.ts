import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { DatasetName } from './reference.js';

/** The app's bundled CSV folder (`apps/bench/data`), found next to `src/` or `dist/`. */
export const DATA_DIR = fileURLToPath(new URL('../data/', import.meta.url));

/** A data matrix: `rows × cols` float32 values, row-major. */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly values: Float32Array;
}

/**
 * Parse a headerless comma-separated file of numbers into a {@link Matrix}.
 * Throws on ragged rows or non-numbers, naming the line.
 */
const parseCsv = (text: string, name = 'csv'): Matrix => {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const cols = lines.length === 0 ? 0 : lines[0]!.split(',').length;
  const values = new Float32Array(lines.length * cols);
  lines.forEach((line, i) => {
    const cells = line.split(',');
    if (cells.length !== cols)
      throw new Error(`${name}: line ${i + 1} has ${cells.length} values, expected ${cols}`);
    cells.forEach((c, j) => {
      const v = Number(c);
      if (!Number.isFinite(v))
        throw new Error(`${name}: line ${i + 1} column ${j + 1} is not a number: '${c}'`);
      values[i * cols + j] = v;
    });
  });
  return { rows: lines.length, cols, values };
};

/** Read `data/<file>`. */
const readMatrix = async (file: string, dir = DATA_DIR): Promise<Matrix> =>
  parseCsv(await readFile(join(dir, file), 'utf8'), file);

/** The fixed train / val / test splits of a bundled data set. */
export interface Splits {
  readonly name: DatasetName;
  readonly train: Matrix;
  readonly val: Matrix;
  readonly test: Matrix;
}

/**
 * Load a bundled data set's splits (digits: the dequantized, standardized
 * 64-dimensional version models train on).
 *
 * @example
 * ```ts
 * const moons = await loadSplits('moons'); // train 20000×2, val 5000×2, test 5000×2
 * ```
 */
export const loadSplits = async (name: DatasetName, dir = DATA_DIR): Promise<Splits> => {
  const [train, val, test] = await Promise.all(
    ['train', 'val', 'test'].map((s) => readMatrix(`${name}_${s}.csv`, dir)),
  );
  return { name, train: train!, val: val!, test: test! };
};

/**
 * Per-pixel mean and standard deviation of digits (train split, [0, 1) scale), to map model space back to pixels.
 *
 * @example
 * ```ts
 * const { mean, std } = await loadDigitsScale();
 * const pixel01 = z * std[j]! + mean[j]!;
 * ```
 */
export const loadDigitsScale = async (
  dir = DATA_DIR,
): Promise<{ mean: Float32Array; std: Float32Array }> => {
  const [m, s] = await Promise.all([
    readMatrix('digits_mean.csv', dir),
    readMatrix('digits_std.csv', dir),
  ]);
  return { mean: m.values, std: s.values };
};
