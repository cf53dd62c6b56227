import * as E from 'fp-ts/lib/Either.js';
import { MAX_SAMPLE_VALUES, disposeParams, sample } from '@bijective/core';
import { formatCsv } from '@bijective/core/data';
import * as A from '../args.js';
import { type Failure, fromError } from '../failure.js';
import { type Io, emit, readUnconditionalModel } from '../io.js';

/** `bijective sample`'s options. */
export const sampleOptions = {
  n: { type: 'string', short: 'n' },
  seed: { type: 'string' },
  out: { type: 'string', short: 'o' },
} as const;

export const sampleHelp = `bijective sample <model/> -n <count> [--seed s] [--out file.csv]

Draw rows from a saved model, in the data's own units, as CSV (no header) on stdout.

  -n <count>         rows to draw (default 1000)
  --seed <s>         seed of the draws (default 0)
  --out <file>       write there instead of stdout
  --backend <name>   auto | native | wasm | cpu (default auto)
`;

/** Rows per inverse pass. */
const CHUNK = 4096;

/** Run `bijective sample`: load, draw in chunks (seeded per chunk), print CSV. */
export const runSample = async (p: A.Parsed, io: Io): Promise<E.Either<Failure, void>> => {
  const pos = A.positionals(p, ['model']);
  if (E.isLeft(pos)) return pos;
  const n = A.integer(p, 'n', 1000, 1, 100_000_000);
  if (E.isLeft(n)) return n;
  const seed = A.integer(p, 'seed', 0, 0, 2 ** 31 - 1);
  if (E.isLeft(seed)) return seed;
  const model = await readUnconditionalModel(pos.right[0]!, 'samples');
  if (E.isLeft(model)) return model;
  const { def, params } = model.right;
  try {
    const total = n.right!;
    const chunk = Math.min(CHUNK, Math.floor(MAX_SAMPLE_VALUES / def.dim));
    const parts: string[] = [];
    for (let start = 0, k = 0; start < total; start += chunk, k++) {
      const size = Math.min(chunk, total - start);
      const xs = sample(def, params, size, { seed: seed.right! + k });
      if (E.isLeft(xs)) return E.left(fromError('sample', xs.left));
      const rows = xs.right.arraySync();
      xs.right.dispose();
      parts.push(formatCsv(rows));
    }
    return emit(io, parts.join(''), A.text(p, 'out'));
  } finally {
    disposeParams(params);
  }
};
