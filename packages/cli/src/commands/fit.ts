import { sequenceS } from 'fp-ts/lib/Apply.js';
import * as E from 'fp-ts/lib/Either.js';
import { disposeParams, evaluate, fit, standardized } from '@bijective/core';
import { splitRows, standardizeStats } from '@bijective/core/data';
import { saveFlow } from '@bijective/core/node';
import * as A from '../args.js';
import { type Failure, fromError, runtime, usage } from '../failure.js';
import { flowNames, presets } from '../flows.js';
import { type Io, readTable } from '../io.js';

/** `bijective fit`'s options (beyond `--backend`). */
export const fitOptions = {
  flow: { type: 'string' },
  val: { type: 'string' },
  out: { type: 'string', short: 'o' },
  epochs: { type: 'string' },
  patience: { type: 'string' },
  'batch-size': { type: 'string' },
  lr: { type: 'string' },
  transforms: { type: 'string' },
  hidden: { type: 'string' },
  seed: { type: 'string' },
  'val-fraction': { type: 'string' },
} as const;

export const fitHelp = `bijective fit <data.csv> --out <model/> [options]

Fit a normalizing flow to the rows of a CSV/TSV file (header detected) by maximum likelihood,
standardizing each column with the training rows' mean and std as the flow's first, fixed layer,
and save the model (with its standardization) to a folder.

  --flow <name>        ${flowNames.join(' | ')} (default maf)
  --val <val.csv>      validation rows (default: a seeded --val-fraction of the data)
  --val-fraction <f>   held out when --val is absent (default 0.1)
  --epochs <n>         most epochs (default 200)
  --patience <n>       stop after n epochs without a better validation score (default 15)
  --batch-size <n>     rows per Adam step (default 256)
  --lr <x>             learning rate (default 0.001)
  --transforms <n>     layers (default: the preset's)
  --hidden <a,b,...>   hidden widths (default [64,64] below 32 columns, [128,128] from 32)
  --seed <n>           seed of the split, the initial parameters and the batches (default 0)
  --backend <name>     auto | native | wasm | cpu (default auto: the fastest that loads)
`;

/**
 * Run `bijective fit`: read, split, standardize, fit with early stopping on
 * the validation log-likelihood (a progress line per epoch on stderr), save.
 */
export const runFit = async (p: A.Parsed, io: Io): Promise<E.Either<Failure, void>> => {
  const pos = A.positionals(p, ['data.csv']);
  if (E.isLeft(pos)) return pos;
  const out = A.text(p, 'out');
  if (out === undefined) return E.left(usage('missing --out <model folder>'));
  const flowName = A.text(p, 'flow') ?? 'maf';
  const build = Object.prototype.hasOwnProperty.call(presets, flowName)
    ? presets[flowName]
    : undefined;
  if (build === undefined)
    return E.left(usage(`--flow: expected ${flowNames.join(' | ')}, got '${flowName}'`));
  const opts = sequenceS(E.Apply)({
    epochs: A.integer(p, 'epochs', 200, 1),
    patience: A.integer(p, 'patience', 15, 0),
    batchSize: A.integer(p, 'batch-size', 256, 1),
    transforms: A.integer(p, 'transforms', undefined, 1, 1024),
    seed: A.integer(p, 'seed', 0, 0, 2 ** 31 - 1),
    lr: A.positive(p, 'lr', 1e-3),
    fraction: A.positive(p, 'val-fraction', 0.1),
    hidden: A.widths(p, 'hidden'),
  });
  if (E.isLeft(opts)) return opts;
  const { epochs, patience, batchSize, transforms, seed, lr, fraction, hidden } = opts.right;
  if (!(fraction < 1))
    return E.left(usage(`--val-fraction: expected a number in (0, 1), got ${fraction}`));

  const data = await readTable(pos.right[0]!);
  if (E.isLeft(data)) return data;
  const dim = data.right.rows[0]!.length;
  const valPath = A.text(p, 'val');
  let train = data.right.rows;
  let validation: readonly (readonly number[])[];
  if (valPath !== undefined) {
    const v = await readTable(valPath, dim);
    if (E.isLeft(v)) return v;
    validation = v.right.rows;
  } else {
    const s = splitRows(train, { validation: fraction, test: 0, seed: seed });
    if (E.isLeft(s)) return E.left(fromError(pos.right[0]!, s.left));
    if (s.right.validation.length === 0)
      return E.left(
        usage(
          `${pos.right[0]}: too few rows (${train.length}) to hold out a validation set; pass --val`,
        ),
      );
    [train, validation] = [s.right.train, s.right.validation];
  }
  const stats = standardizeStats(train);
  if (E.isLeft(stats)) return E.left(fromError(pos.right[0]!, stats.left));
  const constant = stats.right.constantColumns;
  if (constant.length > 0) {
    const names = constant.map((j) => data.right.columns?.[j] ?? `column ${j + 1}`);
    return E.left(
      usage(
        `${pos.right[0]}: ${names.join(', ')} ${constant.length === 1 ? 'is' : 'are'} constant on the training rows; a density cannot be fitted to a constant, remove ${constant.length === 1 ? 'it' : 'them'}`,
      ),
    );
  }
  const inner = build({
    dim,
    ...(transforms === undefined ? {} : { transforms: transforms }),
    ...(hidden === undefined ? {} : { hidden: hidden }),
  });
  if (E.isLeft(inner)) return E.left(usage(`--flow ${flowName}: ${inner.left.message}`));
  const def = standardized(inner.right, stats.right);
  if (E.isLeft(def)) return E.left(fromError('standardization', def.left));
  io.err(
    `fitting ${flowName} (${dim} columns) on ${train.length} rows, validating on ${validation.length}\n`,
  );
  const r = await fit(def.right, train, {
    validation,
    epochs,
    patience,
    batchSize,
    learningRate: lr,
    seed,
    onProgress: (q) => {
      const val = q.valLoss === undefined ? '' : `  val LL ${(-q.valLoss).toFixed(4)}`;
      const best =
        q.bestValLoss === undefined
          ? ''
          : `  best ${(-q.bestValLoss).toFixed(4)} (epoch ${q.bestEpoch + 1})`;
      io.err(
        `epoch ${q.epoch + 1}/${epochs}  train LL ${(-q.trainLoss).toFixed(4)}${val}${best}\n`,
      );
    },
  });
  if (E.isLeft(r)) return E.left(fromError('training', r.left));
  const params = r.right.params;
  const saved = await saveFlow(out, def.right, params)();
  if (E.isLeft(saved))
    return E.left(runtime(`could not save the model to '${out}': ${saved.left.message}`));
  const score = evaluate(def.right, params, validation);
  disposeParams(params);
  const summary = E.isRight(score)
    ? `validation log-likelihood ${score.right.meanLogProb.toFixed(4)} ± ${score.right.standardError.toFixed(4)} nats per row`
    : `validation score unavailable: ${score.left.message}`;
  io.err(
    `stopped by ${r.right.stoppedBy} after ${r.right.history.length} epochs (best epoch ${r.right.bestEpoch + 1}); ${summary}\nsaved to ${out}\n`,
  );
  return E.right(undefined);
};
