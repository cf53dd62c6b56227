import * as E from 'fp-ts/lib/Either.js';
import {
  type AdamOptions,
  type Batch,
  type BatchLike,
  BijectiveError,
  DivergedError,
  type FlowDef,
  type LossAndGrads,
  type Params,
  adamInit,
  cloneParams,
  computationError,
  disposeAdam,
  disposeParams,
  flattenParams,
  isFiniteStep,
  lossAndGrads,
  meanNll,
  mulberry32,
  optimizerUpdate,
  tf,
  validateBatch,
  validateContext,
  valueError,
} from '@bijective/core';
import type { ContinuousFlowDef, ContinuousFlowParams } from './continuousFlow.js';

/** Options of {@link fitFfjord}. Defaults follow the protocol of zuko's reference runs. */
export interface FfjordFitOptions<P extends Params> extends AdamOptions {
  /** Starting parameters (not modified or disposed). Default: `def.init(seed)`. */
  readonly params?: ContinuousFlowParams<P>;
  /** Seeds initialisation and shuffling (default 0). */
  readonly seed?: number;
  /** Rows per step (default 256). */
  readonly batchSize?: number;
  /** Maximum epochs (default 1000). */
  readonly epochs?: number;
  /** Stop after this many Adam steps in total (default unlimited). */
  readonly maxSteps?: number;
  /** With a validation set: stop after this many epochs without a better validation loss (default 15). */
  readonly patience?: number;
  /** Held-out rows scored after every epoch; the best parameters are kept. Without it, the last ones are returned. */
  readonly validation?: BatchLike;
  /** Per-row context of a conditional flow, aligned with `data` (and `validationContext` with `validation`). */
  readonly context?: BatchLike;
  readonly validationContext?: BatchLike;
  /**
   * Weight `λ_K` of the kinetic energy `∫₀ᵀ ‖f‖² dt` (RNODE, Finlay et al. 2020).
   * Default 0. Straightens the trajectories, which cuts the solver's NFE.
   */
  readonly kineticEnergy?: number;
  /** Weight `λ_J` of the Jacobian norm `∫₀ᵀ ‖∂f/∂z‖²_F dt` (RNODE). Default 0. */
  readonly jacobianNorm?: number;
  /**
   * The definition that scores the validation set (same parameters): e.g. the
   * exact trace at tight tolerances while training uses a Hutchinson trace or
   * looser ones. Default: `def`.
   */
  readonly evaluation?: FlowDef<ContinuousFlowParams<P>>;
  /** Rescale gradients whose global norm exceeds this (default: no clipping). */
  readonly clipGradNorm?: number;
  /** Called after every epoch; return `'stop'` to end training. */
  readonly onProgress?: (p: FfjordFitProgress) => void | 'stop';
}

/** One epoch of {@link fitFfjord}. Losses in nats; regularisers as row means. */
export interface FfjordEpochRecord {
  readonly epoch: number;
  /** Adam steps so far. */
  readonly steps: number;
  /** Mean negative log-likelihood of the epoch's training batches (without the regularisers). */
  readonly trainNll: number;
  /** Mean `∫‖f‖² dt` and `∫‖∂f/∂z‖²_F dt` of the epoch's batches (`undefined` when both weights are 0). */
  readonly kineticEnergy: number | undefined;
  readonly jacobianNorm: number | undefined;
  /** Mean NFE of a training step's solve (forward evaluations; backpropagation retraces them). */
  readonly nfe: number;
  /** Mean negative log-likelihood of the validation set under `evaluation` (`undefined` without one). */
  readonly valLoss: number | undefined;
  readonly seconds: number;
}

/** What a progress callback sees after every epoch. */
export interface FfjordFitProgress extends FfjordEpochRecord {
  readonly bestValLoss: number | undefined;
  readonly bestEpoch: number;
}

/** The outcome of {@link fitFfjord}. */
export interface FfjordFitResult<P extends Params> {
  /** The parameters with the best validation loss (the last ones without validation). Owned by the caller. */
  readonly params: ContinuousFlowParams<P>;
  readonly history: readonly FfjordEpochRecord[];
  readonly bestEpoch: number;
  readonly bestValLoss: number | undefined;
  readonly steps: number;
  readonly stoppedBy: 'patience' | 'epochs' | 'maxSteps' | 'callback';
}

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

const nonNegative = (name: string, v: number | undefined): E.Either<BijectiveError, number> =>
  v === undefined
    ? E.right(0)
    : v >= 0 && Number.isFinite(v)
      ? E.right(v)
      : E.left(valueError(name, 'a finite number ≥ 0', String(v)));

/**
 * Train a continuous flow by maximum likelihood through the ODE solve
 * (FFJORD, Grathwohl et al. 2019), optionally with the regularisers of RNODE
 * (Finlay et al., "How to Train Your Neural ODE: the World of Jacobian and
 * Kinetic Regularization", 2020):
 *
 *   `L(θ) = mean_x [ -log p(x) + λ_K ∫₀ᵀ ‖f(t, z)‖² dt + λ_J ∫₀ᵀ ‖∂f/∂z‖²_F dt ]`,
 *
 * where `log p(x) = log N(z(T); 0, I) + ∫₀ᵀ tr(∂f/∂z) dt` and both integrals
 * are accumulated in the same solve as `z` and the trace (the Jacobian norm
 * exactly with the exact trace, by Hutchinson's estimator with its probe
 * otherwise). Among the maps with the same likelihood, the regularisers favour
 * straight, constant-speed trajectories, which the adaptive solver integrates
 * in far fewer steps. With `λ_K = λ_J = 0` this is core's `fit` protocol:
 * Adam, minibatches reshuffled every epoch, the validation set scored after
 * every epoch (by `evaluation`, e.g. the exact trace at tight tolerances),
 * best parameters kept, early stopping after `patience` epochs.
 *
 * Returns `Left(ShapeError | ValueError)` for bad data or options and
 * `Left(DivergedError)` (with the last finite parameters) on a non-finite
 * loss or gradient or when the solver gives up. No tensor outlives the call
 * except the returned parameters.
 *
 * @example
 * ```ts
 * const def = ffjord({ dim: 2, hidden: [64, 64, 64], trace: 'exact', solver: { kind: 'dopri5', rtol: 1e-4, atol: 1e-4 } });
 * const evaluation = ffjord({ dim: 2, hidden: [64, 64, 64], trace: 'exact' }); // Dopri5 at 1e-5
 * const r = await fitFfjord(def, train, { validation: val, evaluation, kineticEnergy: 0.01, jacobianNorm: 0.01 });
 * if (E.isRight(r)) console.log(r.right.bestValLoss, r.right.history.at(-1)?.nfe);
 * ```
 */
export const fitFfjord = async <P extends Params>(
  def: ContinuousFlowDef<P>,
  data: BatchLike,
  options: FfjordFitOptions<P> = {},
): Promise<E.Either<BijectiveError, FfjordFitResult<P>>> => {
  const batchSize = options.batchSize ?? 256;
  if (!(Number.isInteger(batchSize) && batchSize > 0))
    return E.left(valueError('options.batchSize', 'a positive integer', String(batchSize)));
  const lr = options.learningRate ?? 1e-3;
  if (!(lr > 0 && Number.isFinite(lr)))
    return E.left(valueError('options.learningRate', 'a positive number', String(lr)));
  const lk = nonNegative('options.kineticEnergy', options.kineticEnergy);
  if (E.isLeft(lk)) return lk;
  const lj = nonNegative('options.jacobianNorm', options.jacobianNorm);
  if (E.isLeft(lj)) return lj;
  const lambdaK = lk.right;
  const lambdaJ = lj.right;
  const regularize = lambdaK > 0 || lambdaJ > 0;
  const evaluation = options.evaluation ?? def;

  const owned: tf.Tensor[] = [];
  const track = <T extends tf.Tensor | undefined>(input: BatchLike | undefined, t: T): T => {
    if (t !== undefined && t !== input) owned.push(t);
    return t;
  };
  try {
    const xv = validateBatch('data', data, def.dim);
    if (E.isLeft(xv)) return xv;
    const x = track(data, xv.right);
    const cv = validateContext(options.context, def.contextDim, x.shape[0]);
    if (E.isLeft(cv)) return cv;
    const context = track(options.context, cv.right);
    let val: Batch | undefined;
    let valC: Batch | undefined;
    if (options.validation !== undefined) {
      const v = validateBatch('options.validation', options.validation, def.dim);
      if (E.isLeft(v)) return v;
      val = track(options.validation, v.right);
      const vc = validateContext(options.validationContext, def.contextDim, val.shape[0]);
      if (E.isLeft(vc)) return vc;
      valC = track(options.validationContext, vc.right);
    }

    const seed = options.seed ?? 0;
    let params: ContinuousFlowParams<P> =
      options.params !== undefined ? cloneParams(options.params) : def.init(seed);
    let adam = adamInit(flattenParams(params).map((l) => l.tensor));
    let best: ContinuousFlowParams<P> | undefined;
    let bestVal: number | undefined;
    let bestEpoch = -1;
    const history: FfjordEpochRecord[] = [];
    const n = x.shape[0];
    const stepsPerEpoch = Math.ceil(n / batchSize);
    const epochs = options.epochs ?? 1000;
    const patience = options.patience ?? 15;
    const rand = mulberry32(seed);
    let steps = 0;
    let stoppedBy: FfjordFitResult<P>['stoppedBy'] = 'epochs';

    // The regularised objective per batch; the three means are read back with the loss.
    let parts: tf.Tensor1D | undefined;
    const objective = (p: ContinuousFlowParams<P>, xb: Batch, cb: Batch | undefined) => {
      if (!regularize) return tf.neg(tf.mean(def.apply(p).logProb(xb, cb))) as tf.Scalar;
      const r = def.regularizedForward(p)(xb, cb);
      const nll = tf.neg(tf.mean(tf.add(def.apply(p).base.logProb(r.y, cb), r.logDet)));
      const ke = tf.mean(r.kineticEnergy);
      const jn = tf.mean(r.jacobianNorm);
      parts = tf.keep(tf.stack([nll, ke, jn]) as tf.Tensor1D);
      return tf.addN([nll, tf.mul(lambdaK, ke), tf.mul(lambdaJ, jn)]) as tf.Scalar;
    };
    const lost = (): void => {
      disposeAdam(adam);
      if (best !== undefined) disposeParams(best);
    };

    try {
      for (let epoch = 0; epoch < epochs; epoch++) {
        const t0 = performance.now();
        const nfe0 = def.cost().nfe;
        const order = shuffled(n, rand);
        const sums = [0, 0, 0];
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
          const xb = tf.gather(x, idx) as Batch;
          const cb = context === undefined ? undefined : (tf.gather(context, idx) as Batch);
          idx.dispose();
          let r: LossAndGrads;
          try {
            r = lossAndGrads(params, (p) => objective(p, xb, cb));
          } finally {
            xb.dispose();
            cb?.dispose();
          }
          const got = parts === undefined ? [r.loss, 0, 0] : Array.from(parts.dataSync());
          parts?.dispose();
          parts = undefined;
          if (!isFiniteStep(r)) {
            tf.dispose(r.grads);
            lost();
            return E.left(
              new DivergedError(
                `FFJORD training diverged at step ${steps} (epoch ${epoch}): loss ${r.loss}; last finite parameters attached`,
                steps,
                params,
              ),
            );
          }
          ({ params, adam } = optimizerUpdate(params, r, adam, { ...options, learningRate: lr }));
          got.forEach((v, i) => (sums[i]! += v!));
          count++;
          steps++;
        }
        if (count === 0) break;
        const nfe = (def.cost().nfe - nfe0) / count;
        const valLoss = val === undefined ? undefined : meanNll(evaluation, params, val, valC);
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
        const record: FfjordEpochRecord = {
          epoch,
          steps,
          trainNll: sums[0]! / count,
          kineticEnergy: regularize ? sums[1]! / count : undefined,
          jacobianNorm: regularize ? sums[2]! / count : undefined,
          nfe,
          valLoss,
          seconds: (performance.now() - t0) / 1000,
        };
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
      disposeAdam(adam);
      if (best !== undefined) {
        disposeParams(params);
        return E.right({ params: best, history, bestEpoch, bestValLoss: bestVal, steps, stoppedBy });
      }
      return E.right({
        params,
        history,
        bestEpoch: history.length - 1,
        bestValLoss: undefined,
        steps,
        stoppedBy,
      });
    } catch (e) {
      // The solver gave up (Dopri5's maxSteps) or a kernel failed: release what we hold.
      parts?.dispose();
      lost();
      if (e instanceof BijectiveError && e.kind === 'DivergedError')
        return E.left(
          new DivergedError(
            `FFJORD training stopped at step ${steps}: ${e.message}; last finite parameters attached`,
            steps,
            params,
          ),
        );
      disposeParams(params);
      return E.left(computationError(`FFJORD training failed at step ${steps}`, e));
    }
  } finally {
    for (const t of owned) t.dispose();
  }
};
