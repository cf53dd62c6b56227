import * as E from 'fp-ts/lib/Either.js';
import { type Batch, disposeParams, tf } from '@bijective/core';
import { batchFromRows } from '@bijective/core/data';
import * as A from '../args.js';
import { type Failure, fromError, runtime } from '../failure.js';
import { type Io, emit, readUnconditionalModel, readTable } from '../io.js';

/** `bijective logprob`'s options. */
export const logprobOptions = { out: { type: 'string', short: 'o' } } as const;

export const logprobHelp = `bijective logprob <model/> <rows.csv> [--out file.csv]

Write log p(x) of every row of a CSV/TSV file (header detected) under a saved model, one value
per line in the order of the rows, in nats and in the data's own units (the model's
standardization is part of it). A row outside the model's support gives -Infinity.

  --out <file>       write there instead of stdout
  --backend <name>   auto | native | wasm | cpu (default auto)
`;

/** Rows per forward pass: bounds memory on large files. */
const CHUNK = 4096;

/** Run `bijective logprob`: load, score in chunks, print one log-density per row. */
export const runLogprob = async (p: A.Parsed, io: Io): Promise<E.Either<Failure, void>> => {
  const pos = A.positionals(p, ['model', 'rows.csv']);
  if (E.isLeft(pos)) return pos;
  const model = await readUnconditionalModel(pos.right[0]!, 'scores');
  if (E.isLeft(model)) return model;
  const { def, params } = model.right;
  try {
    const table = await readTable(pos.right[1]!, def.dim);
    if (E.isLeft(table)) return table;
    const x = batchFromRows(table.right.rows);
    if (E.isLeft(x)) return E.left(fromError(pos.right[1]!, x.left));
    const lines: string[] = [];
    try {
      const flow = def.apply(params);
      const n = x.right.shape[0];
      for (let start = 0; start < n; start += CHUNK) {
        const size = Math.min(CHUNK, n - start);
        const lp = tf.tidy(() => flow.logProb(tf.slice(x.right, [start, 0], [size, -1]) as Batch));
        for (const v of lp.dataSync()) lines.push(`${v}\n`);
        lp.dispose();
      }
    } catch (e) {
      return E.left(runtime(`logprob: ${e instanceof Error ? e.message : String(e)}`));
    } finally {
      x.right.dispose();
    }
    return emit(io, lines.join(''), A.text(p, 'out'));
  } finally {
    disposeParams(params);
  }
};
