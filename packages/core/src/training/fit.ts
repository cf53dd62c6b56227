import * as E from 'fp-ts/lib/Either.js';
import { tf } from '../tf.js';
import type { Batch } from '../bijection.js';
import type { BijectiveError } from '../errors.js';
import { computationError, valueError } from '../errors.js';
import type { FlowDef } from '../flow.js';
import { type Params, cloneParams, disposeParams, flattenParams } from '../params.js';
import { mulberry32 } from '../random.js';
import { type BatchLike, validateBatch, validateContext } from '../validate.js';
import { type AdamOptions, adamInit, disposeAdam } from './adam.js';
import { DivergedError } from './diverged.js';
import type { FitHooks, WithExtras } from './fitHooks.js';
import { type LossAndGrads, lossAndGrads } from './step.js';
import { isFiniteStep, optimizerUpdate } from './update.js';

/**
 * The figures every epoch of {@link fit} reports. Losses are mean negative
 * log-likelihoods (nats) unless `batchLoss` / `validationLoss` replace them.
 */
export interface EpochFigures {
  readonly epoch: number;
  /** Adam steps so far. */
  readonly steps: number;
  /** Mean training loss of the epoch's minibatches. */
  readonly trainLoss: number;
  /** `undefined` without a validation set. */
  readonly valLoss: number | undefined;
  readonly seconds: number;
}

/**
 * One epoch of {@link fit}'s history: its {@link EpochFigures}, plus
 * `extras: X` when the `epochExtras` hook reports figures of type `X`.
 */
export type EpochRecord<X = undefined> = EpochFigures & WithExtras<X>;

/** What a progress callback sees after every epoch. Return `'stop'` to end training. */
export type FitProgress<X = undefined> = EpochRecord<X> & {
  readonly bestValLoss: number | undefined;
  readonly bestEpoch: number;
};

/**
 * Options of {@link fit}. Defaults follow the protocol of zuko's reference
 * runs; the {@link FitHooks} swap the objective, the validation score and
 * add per-epoch figures.
 */
export interface FitOptions<P extends Params, X = undefined> extends AdamOptions, FitHooks<P, X> {
  /** Starting parameters (not modified or disposed). Default: `def.init(seed)`. */
  readonly params?: P;
  /** Seeds initialisation and shuffling; same seed, same backend → same result. Default 0. */
  readonly seed?: number;
  /** Default 256. */
  readonly batchSize?: number;
  /** Maximum epochs (default 1000). */
  readonly epochs?: number;
  /** Stop after this many Adam steps in total (default unlimited). */
  readonly maxSteps?: number;
  /** Stop after this many epochs without a better validation loss (default 15). */
  readonly patience?: number;
  /** A held-out set; if absent, `validationFraction` of the data is held out. */
  readonly validation?: BatchLike;
  /** Fraction held out when no `validation` is given (default 0.1; 0 disables early stopping). */
  readonly validationFraction?: number;
  /** Per-row context of a conditional flow, aligned with `data` (and `validationContext` with `validation`). */
  readonly context?: BatchLike;
  readonly validationContext?: BatchLike;
  /** Rescale gradients whose global norm exceeds this (default: no clipping). */
  readonly clipGradNorm?: number;
  readonly onProgress?: (p: FitProgress<X>) => void | 'stop';
}

/** The outcome of a training run. */
export interface FitResult<P extends Params, X = undefined> {
  /** The parameters with the best validation loss (the last ones without validation). Owned by the caller. */
  readonly params: P;
  readonly history: readonly EpochRecord<X>[];
  readonly bestEpoch: number;
  readonly bestValLoss: number | undefined;
  readonly steps: number;
  readonly stoppedBy: 'patience' | 'epochs' | 'maxSteps' | 'callback';
}

/** Mean negative log-likelihood of a whole set, in chunks. */
export const meanNll = <P extends Params>(
  def: FlowDef<P>,
  params: P,
  x: Batch,
  context?: Batch,
  chunk = 4096,
): number => {
  const n = x.shape[0];
  let total = 0;
  for (let start = 0; start < n; start += chunk) {
    const size = Math.min(chunk, n - start);
    const s = tf.tidy(() => {
      const xb = tf.slice(x, [start, 0], [size, -1]) as Batch;
      const cb =
        context === undefined ? undefined : (tf.slice(context, [start, 0], [size, -1]) as Batch);
      return tf.sum(def.apply(params).logProb(xb, cb));
    });
    total -= s.dataSync()[0]!;
    s.dispose();
  }
  return total / n;
};

/** The record of an epoch, with `extras` only when the hook gave some. */
const epochRecord = <X>(
  figures: EpochFigures,
  extras: { readonly extras: X } | undefined,
): EpochRecord<X> => (extras === undefined ? figures : { ...figures, ...extras }) as EpochRecord<X>;

const shuffled = (n: number, rand: () => number): Int32Array => {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
};

/**
 * Fit a flow by maximum likelihood (equivalently, forward KL from the data
 * distribution): minimise `-mean log p(x)` over minibatches with Adam,
 * reshuffling every epoch, scoring the validation set after each epoch,
 * keeping the best parameters and stopping after `patience` epochs without
 * improvement.
 *
 * Returns `Left(ShapeError | ValueError)` for bad data or options and
 * `Left(DivergedError)` — carrying the last parameters with a finite loss and
 * gradient — if training produces a non-finite loss or gradient. No tensor
 * created here outlives the call except the returned parameters.
 *
 * The {@link FitHooks} in `options` replace the minibatch loss (default
 * `−mean log p(x)`), the validation score (default {@link meanNll}) and add
 * typed per-epoch `extras` to the records, so other objectives (FFJORD's
 * RNODE regularisers in `@bijective/continuous`) reuse this loop.
 *
 * @example
 * ```ts
 * const r = await fit(realNVP({ dim: 2 }), trainRows, { validation: valRows, seed: 0 });
 * if (E.isRight(r)) console.log(r.right.bestValLoss, r.right.history.length);
 * ```
 */
export const fit = async <P extends Params, X = undefined>(
  def: FlowDef<P>,
  data: BatchLike,
  options: FitOptions<P, X> = {},
): Promise<E.Either<BijectiveError, FitResult<P, X>>> => {
  const batchSize = options.batchSize ?? 256;
  if (!(Number.isInteger(batchSize) && batchSize > 0))
    return E.left(valueError('options.batchSize', 'a positive integer', String(batchSize)));
  const fraction = options.validationFraction ?? 0.1;
  if (!(fraction >= 0 && fraction < 1))
    return E.left(valueError('options.validationFraction', 'a number in [0, 1)', String(fraction)));
  const lr = options.learningRate ?? 1e-3;
  if (!(lr > 0 && Number.isFinite(lr)))
    return E.left(valueError('options.learningRate', 'a positive number', String(lr)));

  const owned: tf.Tensor[] = [];
  const track = <T extends tf.Tensor | undefined>(input: BatchLike | undefined, t: T): T => {
    if (t !== undefined && t !== input) owned.push(t);
    return t;
  };
  try {
    const xAll = validateBatch('data', data, def.dim);
    if (E.isLeft(xAll)) return xAll;
    const x0 = track(data, xAll.right);
    const cAll = validateContext(options.context, def.contextDim, x0.shape[0]);
    if (E.isLeft(cAll)) return cAll;
    const c0 = track(options.context, cAll.right);

    let train = x0;
    let trainC = c0;
    let val: Batch | undefined;
    let valC: Batch | undefined;
    if (options.validation !== undefined) {
      const v = validateBatch('options.validation', options.validation, def.dim);
      if (E.isLeft(v)) return v;
      val = track(options.validation, v.right);
      const vc = validateContext(options.validationContext, def.contextDim, val.shape[0]);
      if (E.isLeft(vc)) return E.left(vc.left);
      valC = track(options.validationContext, vc.right);
    } else if (fraction > 0) {
      const n = x0.shape[0];
      const nVal = Math.floor(n * fraction);
      if (nVal < 1 || n - nVal < 1)
        return E.left(
          valueError('data', `enough rows to hold out ${fraction} for validation`, `${n} rows`),
        );
      const perm = tf.tensor1d(shuffled(n, mulberry32((options.seed ?? 0) ^ 0x7f4a7c15)), 'int32');
      const split = (t: Batch) => {
        const s = tf.gather(t, perm) as Batch;
        const parts = [
          tf.slice(s, [0, 0], [nVal, -1]) as Batch,
          tf.slice(s, [nVal, 0], [-1, -1]) as Batch,
        ];
        s.dispose();
        owned.push(...parts);
        return parts as [Batch, Batch];
      };
      [val, train] = split(x0);
      if (c0 !== undefined) [valC, trainC] = split(c0);
      perm.dispose();
    }

    const seed = options.seed ?? 0;
    let params: P = options.params !== undefined ? cloneParams(options.params) : def.init(seed);
    let adam = adamInit(flattenParams(params).map((l) => l.tensor));
    let best: P | undefined;
    let bestVal: number | undefined;
    let bestEpoch = -1;
    const history: EpochRecord<X>[] = [];
    const n = train.shape[0];
    const stepsPerEpoch = Math.ceil(n / batchSize);
    const epochs = options.epochs ?? 1000;
    const patience = options.patience ?? 15;
    const rand = mulberry32(seed);
    let steps = 0;
    let stoppedBy: FitResult<P, X>['stoppedBy'] = 'epochs';
    const trainX = train;
    const trainCtx = trainC;
    const batchLoss =
      options.batchLoss ??
      ((p: P, xb: Batch, cb: Batch | undefined) =>
        tf.neg(tf.mean(def.apply(p).logProb(xb, cb))) as tf.Scalar);
    const validationLoss =
      options.validationLoss ??
      ((p: P, xv: Batch, cv: Batch | undefined) => meanNll(def, p, xv, cv));

    const finish = (result: FitResult<P, X>): E.Either<BijectiveError, FitResult<P, X>> => {
      disposeAdam(adam);
      if (result.params !== params) disposeParams(params);
      return E.right(result);
    };

    try {
      for (let epoch = 0; epoch < epochs; epoch++) {
        const t0 = performance.now();
        const endEpoch = options.epochExtras?.();
        const order = shuffled(n, rand);
        let sum = 0;
        let count = 0;
        for (let s = 0; s < stepsPerEpoch; s++) {
          if (options.maxSteps !== undefined && steps >= options.maxSteps) {
            stoppedBy = 'maxSteps';
            break;
          }
          const idx = tf.tensor1d(
            order.subarray(s * batchSize, Math.min(n, (s + 1) * batchSize)),
            'int32',
          );
          const xb = tf.gather(trainX, idx) as Batch;
          const cb = trainCtx === undefined ? undefined : (tf.gather(trainCtx, idx) as Batch);
          idx.dispose();
          let r: LossAndGrads;
          try {
            r = lossAndGrads(params, (p) => batchLoss(p, xb, cb));
          } finally {
            xb.dispose();
            cb?.dispose();
          }
          if (!isFiniteStep(r)) {
            tf.dispose(r.grads);
            disposeAdam(adam);
            if (best !== undefined) disposeParams(best);
            return E.left(
              new DivergedError(
                `training diverged at step ${steps} (epoch ${epoch}): loss ${r.loss}, squared gradient norm ${r.gradNormSquared}; ` +
                  'the last finite parameters are attached (try a lower learning rate or clipGradNorm)',
                steps,
                params,
              ),
            );
          }
          ({ params, adam } = optimizerUpdate(params, r, adam, { ...options, learningRate: lr }));
          sum += r.loss;
          count++;
          steps++;
        }
        if (count === 0) break;
        const extras = endEpoch === undefined ? undefined : { extras: endEpoch(count) };
        const valLoss = val === undefined ? undefined : validationLoss(params, val, valC);
        if (valLoss !== undefined && !Number.isFinite(valLoss)) {
          disposeAdam(adam);
          const keep = best ?? params;
          if (keep !== params) disposeParams(params);
          return E.left(
            new DivergedError(
              `validation loss became ${valLoss} after epoch ${epoch}; best parameters attached`,
              steps,
              keep,
            ),
          );
        }
        const record = epochRecord<X>(
          { epoch, steps, trainLoss: sum / count, valLoss, seconds: (performance.now() - t0) / 1000 },
          extras,
        );
        history.push(record);
        if (valLoss !== undefined && (bestVal === undefined || valLoss < bestVal)) {
          if (best !== undefined) disposeParams(best);
          best = cloneParams(params);
          bestVal = valLoss;
          bestEpoch = epoch;
        }
        const verdict = options.onProgress?.({ ...record, bestValLoss: bestVal, bestEpoch });
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (verdict === 'stop') {
          stoppedBy = 'callback';
          break;
        }
        if (stoppedBy === 'maxSteps') break;
        if (val !== undefined && epoch - bestEpoch >= patience) {
          stoppedBy = 'patience';
          break;
        }
      }
      if (best !== undefined) {
        return finish({ params: best, history, bestEpoch, bestValLoss: bestVal, steps, stoppedBy });
      }
      return finish({
        params,
        history,
        bestEpoch: history.length - 1,
        bestValLoss: undefined,
        steps,
        stoppedBy,
      });
    } catch (e) {
      // Something threw mid-training (a kernel this backend lacks, a solver giving up): release
      // what we hold, except the current parameters when the caller counts it as a divergence.
      disposeAdam(adam);
      if (best !== undefined) disposeParams(best);
      if (options.isDivergence?.(e) === true)
        return E.left(
          new DivergedError(
            `training stopped at step ${steps}: ${e instanceof Error ? e.message : String(e)}; last finite parameters attached`,
            steps,
            params,
          ),
        );
      disposeParams(params);
      return E.left(computationError(`training failed at step ${steps}`, e));
    }
  } finally {
    for (const t of owned) t.dispose();
  }
};
