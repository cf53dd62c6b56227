import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import { readCsvFile } from '@bijective/core/node';
import type { DatasetName } from './reference.js';

/** The app's bundled CSV folder (`apps/bench/data`), found next to `src/` or `dist/`. */
export const DATA_DIR = fileURLToPath(new URL('../data/', import.meta.url));

/** A data matrix: `rows × cols` float32 values, row-major. */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly values: Float32Array;
}

/** Read the headerless CSV `<dir>/<file>` with core's `readCsvFile` (throws its error). */
const readMatrix = async (file: string, dir: string): Promise<Matrix> => {
  const table = await readCsvFile(join(dir, file), { header: false })();
  if (E.isLeft(table)) throw table.left;
  const { rows } = table.right;
  return { rows: rows.length, cols: rows[0]?.length ?? 0, values: Float32Array.from(rows.flat()) };
};

/** A bundled data set's splits (digits: dequantized, standardized, 64-dimensional). */
export const loadSplits = async (name: DatasetName, dir = DATA_DIR) => {
  const [train, val, test] = await Promise.all(
    ['train', 'val', 'test'].map((s) => readMatrix(`${name}_${s}.csv`, dir)),
  );
  return { name, train: train!, val: val!, test: test! };
};
export type Splits = Awaited<ReturnType<typeof loadSplits>>;

/** Per-pixel mean and std of digits (train split, [0, 1) scale): model space back to pixels. */
export const loadDigitsScale = async (dir = DATA_DIR) => {
  const [m, s] = await Promise.all(['mean', 'std'].map((k) => readMatrix(`digits_${k}.csv`, dir)));
  return { mean: m!.values, std: s!.values };
};
