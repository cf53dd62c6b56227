import * as E from 'fp-ts/lib/Either.js';
import { tf } from '../tf.js';
import type { Batch } from '../bijection.js';
import type { BijectiveError } from '../errors.js';
import { computationError, valueError } from '../errors.js';
import type { FlowDef } from '../flow.js';
import { type Params, cloneParams } from '../params.js';
import { mulberry32 } from '../random.js';
import { type BatchLike, validateBatch, validateContext } from '../validate.js';
import type { AdamOptions } from './adam.js';
import type { FitHooks, WithExtras } from './fitHooks.js';
import { validateTrainingOptions } from './options.js';
import { trainLoop } from './trainLoop.js';
import { yieldToEventLoop } from './yieldToEventLoop.js';

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

/**
 * What {@link FitOptions.onProgress} sees after every epoch: the epoch's
 * figures, plus the best validation loss so far and its epoch. Return
 * `'stop'` to end training (the result then has `stoppedBy: 'callback'`).
 */
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
  /**
   * Called after every epoch with its {@link FitProgress} (losses in nats per
   * row, Adam steps, seconds); return `'stop'` to end training there.
   */
  readonly onProgress?: (p: FitProgress<X>) => void | 'stop';
  /**
   * Stops training when it fires (checked before every Adam step; the loop
   * yields to the event loop every ~25 ms so a click or a worker message can
   * fire it): `fit` then returns `Left(AbortedError)` carrying the best
   * parameters so far.
   */
  readonly signal?: AbortSignal;
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
 * Returns `Left(ShapeError | ValueError)` for bad data or options (every
 * option checked by {@link validateTrainingOptions}), `Left(DivergedError)` if
 * training produces a non-finite loss or gradient — carrying the parameters
 * from before the update that produced them, whose loss and gradient were
 * finite — and `Left(AbortedError)` with the best parameters so far when
 * `signal` fires. No tensor created here outlives the call except the
 * returned parameters. Runs in browsers, Web Workers and Node alike: it
 * yields to the event loop about every 25 ms ({@link throttledYield}).
 *
 * Progress: `onProgress` is called after every epoch.
 *
 * The {@link FitHooks} in `options` replace the minibatch loss (default
 * `−mean log p(x)`), the validation score (default {@link meanNll}) and add
 * typed per-epoch `extras` to the records, so other objectives (FFJORD's
 * RNODE regularisers in `@bijective/continuous`) reuse this loop.
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * const r = await fit(realNVP({ dim: 2 }), trainRows, {
 *   validation: valRows,
 *   seed: 0,
 *   signal: controller.signal,
 *   onProgress: (p) => console.log(`epoch ${p.epoch}: val ${p.valLoss}`),
 * });
 * if (E.isRight(r)) console.log(r.right.bestValLoss, r.right.history.length);
 * ```
 */
export const fit = async <P extends Params, X = undefined>(
  def: FlowDef<P>,
  data: BatchLike,
  options: FitOptions<P, X> = {},
): Promise<E.Either<BijectiveError, FitResult<P, X>>> => {
  const checked = validateTrainingOptions(options);
  if (E.isLeft(checked)) return checked;
  const batchSize = options.batchSize ?? 256;
  const fraction = options.validationFraction ?? 0.1;
  if (!(fraction >= 0 && fraction < 1))
    return E.left(valueError('options.validationFraction', 'a number in [0, 1)', String(fraction)));
  const lr = options.learningRate ?? 1e-3;

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
    const history: EpochRecord<X>[] = [];
    const n = train.shape[0];
    const stepsPerEpoch = Math.ceil(n / batchSize);
    const epochs = options.epochs ?? 1000;
    const allSteps = epochs * stepsPerEpoch;
    const steps = options.maxSteps === undefined ? allSteps : Math.min(allSteps, options.maxSteps);
    const rand = mulberry32(seed);
    const trainX = train;
    const trainCtx = trainC;
    const validation = val;
    const batchLoss =
      options.batchLoss ??
      ((p: P, xb: Batch, cb: Batch | undefined) =>
        tf.neg(tf.mean(def.apply(p).logProb(xb, cb))) as tf.Scalar);
    const validationLoss =
      options.validationLoss ??
      ((p: P, xv: Batch, cv: Batch | undefined) => meanNll(def, p, xv, cv));

    // The current epoch: its shuffled order, start time, extras hook and loss sum.
    let epoch = -1;
    let order: Int32Array = new Int32Array(0);
    let t0 = 0;
    let endEpoch: ((steps: number) => X) | undefined;
    let extras: { readonly extras: X } | undefined;
    let sum = 0;
    let count = 0;
    let bestEpoch = -1;
    /** Whether `done` steps end an epoch (a full one, or the last by `maxSteps`). */
    const endsEpoch = (done: number) => done % stepsPerEpoch === 0 || done === steps;

    const r = await trainLoop<P>({
      beta1: options.beta1,
      beta2: options.beta2,
      epsilon: options.epsilon,
      clipGradNorm: options.clipGradNorm,
      signal: options.signal,
      isDivergence: options.isDivergence,
      params: options.params !== undefined ? cloneParams(options.params) : def.init(seed),
      steps,
      learningRate: lr,
      ...(validation !== undefined ? { patience: options.patience ?? 15 } : {}),
      objective: (step) => {
        if (step % stepsPerEpoch === 0) {
          epoch++;
          t0 = performance.now();
          endEpoch = options.epochExtras?.();
          order = shuffled(n, rand);
          sum = 0;
          count = 0;
        }
        const s = step % stepsPerEpoch;
        const idx = tf.tensor1d(
          order.subarray(s * batchSize, Math.min(n, (s + 1) * batchSize)),
          'int32',
        );
        const xb = tf.gather(trainX, idx) as Batch;
        const cb = trainCtx === undefined ? undefined : (tf.gather(trainCtx, idx) as Batch);
        idx.dispose();
        return {
          loss: (p) => batchLoss(p, xb, cb),
          release: () => {
            xb.dispose();
            cb?.dispose();
          },
        };
      },
      evaluate: ({ step, loss, params }) => {
        sum += loss;
        count++;
        if (!endsEpoch(step)) return undefined;
        extras = endEpoch === undefined ? undefined : { extras: endEpoch(count) };
        return validation === undefined ? undefined : validationLoss(params, validation, valC);
      },
      afterStep: async ({ step, score, improved, bestScore }) => {
        if (!endsEpoch(step)) return undefined;
        const record = epochRecord<X>(
          {
            epoch,
            steps: step,
            trainLoss: sum / count,
            valLoss: score,
            seconds: (performance.now() - t0) / 1000,
          },
          extras,
        );
        history.push(record);
        if (improved) bestEpoch = epoch;
        const verdict = options.onProgress?.({ ...record, bestValLoss: bestScore, bestEpoch });
        await yieldToEventLoop();
        return verdict;
      },
      messages: {
        diverged: (step, r) =>
          `training diverged at step ${step} (epoch ${epoch}): loss ${r.loss}, squared gradient norm ${r.gradNormSquared}; ` +
          'the parameters before the step that broke are attached (try a lower learning rate or clipGradNorm)',
        aborted: (step, best) =>
          `training aborted after ${step} steps; the ${best ? 'best-validation' : 'latest'} parameters are attached`,
        failed: (e, step) => computationError(`training failed at step ${step}`, e),
        divergedBy: (e, step) =>
          `training stopped at step ${step}: ${e instanceof Error ? e.message : String(e)}; the parameters before the step that broke are attached`,
        invalidScore: (score) =>
          `validation loss became ${score} after epoch ${epoch}; best parameters attached`,
      },
    });
    if (E.isLeft(r)) return r;
    const { params, bestScore } = r.right;
    // A partial last epoch means `maxSteps` cut it; patience and the callback are checked per epoch.
    const stoppedBy: FitResult<P, X>['stoppedBy'] =
      r.right.stoppedBy === 'callback'
        ? 'callback'
        : r.right.steps % stepsPerEpoch !== 0
          ? 'maxSteps'
          : r.right.stoppedBy === 'patience'
            ? 'patience'
            : steps < allSteps
              ? 'maxSteps'
              : 'epochs';
    return E.right({
      params,
      history,
      bestEpoch: bestScore !== undefined ? bestEpoch : history.length - 1,
      bestValLoss: bestScore,
      steps: r.right.steps,
      stoppedBy,
    });
  } finally {
    for (const t of owned) t.dispose();
  }
};
