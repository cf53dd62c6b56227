import * as E from 'fp-ts/lib/Either.js';
import {
  type Batch,
  type BatchLike,
  BijectiveError,
  type EpochRecord,
  type FitOptions,
  type FitProgress,
  type FitResult,
  type FlowDef,
  type Params,
  fit,
  meanNll,
  tf,
  valueError,
} from '@bijective/core';
import { type FitHooks } from '@bijective/core/training';
import type { ContinuousFlowDef, ContinuousFlowParams } from './continuousFlow.js';
import { solveTally } from './ffjord.js';
import { decodeSolverConfig } from './presetOptions.js';
import type { SolverConfig } from './solvers/fromConfig.js';

/**
 * The defaults of {@link fitFfjord} beyond core `fit`'s (Adam 1e-3, batch 256,
 * a seeded 10% held out when no `validation` is given, validation every
 * epoch, best parameters kept, patience 15 epochs): the protocol behind the
 * README's FFJORD figure (moons -1.717) — the RNODE weights, and training
 * solves by Dopri5 at rtol = atol = `trainingTolerance` (1e-4) while
 * validation and the result's `def` use the preset's own solver (Dopri5 at
 * 1e-5 by default) and the exact trace (`def.exact()`).
 *
 * @example
 * ```ts
 * FFJORD_DEFAULTS.kineticEnergy; // 0.01
 * FFJORD_DEFAULTS.trainingTolerance; // 1e-4
 * ```
 */
export const FFJORD_DEFAULTS = {
  kineticEnergy: 0.01,
  jacobianNorm: 0.01,
  trainingTolerance: 1e-4,
} as const;

/**
 * Options of {@link fitFfjord}: core `fit`'s options (Adam, `seed`,
 * `batchSize`, `epochs`, `maxSteps`, `patience`, `validation`,
 * `validationFraction`, `context`, `clipGradNorm`, ...) without its hooks,
 * which fitFfjord supplies; plus the RNODE weights and the `evaluation`
 * definition. Defaults: {@link FFJORD_DEFAULTS} and core `fit`'s.
 */
export interface FfjordFitOptions<P extends Params> extends Omit<
  FitOptions<ContinuousFlowParams<P>>,
  'onProgress' | keyof FitHooks<ContinuousFlowParams<P>>
> {
  /**
   * Weight `λ_K` of the kinetic energy `∫₀ᵀ ‖f‖² dt` (RNODE, Finlay et al. 2020).
   * Default 0.01; 0 turns it off. Straightens the trajectories, which cuts the solver's NFE.
   */
  readonly kineticEnergy?: number;
  /** Weight `λ_J` of the Jacobian norm `∫₀ᵀ ‖∂f/∂z‖²_F dt` (RNODE). Default 0.01; 0 turns it off. */
  readonly jacobianNorm?: number;
  /**
   * The solver of the training solves (`def.withSolver(trainingSolver)`; validation and the
   * result's `def` keep `def`'s own). Default: when `def` integrates with Dopri5, the same Dopri5
   * at rtol = atol = {@link FFJORD_DEFAULTS}`.trainingTolerance` (1e-4, the README protocol), or at
   * `def`'s own tolerances where those are looser; any other solver trains as configured. Pass
   * `def`'s own solver (e.g. `{ kind: 'dopri5', rtol: 1e-5, atol: 1e-5 }`) to train at the
   * scoring tolerance. A `Left(ValueError)` if it is malformed or `def` has no `withSolver`.
   */
  readonly trainingSolver?: SolverConfig;
  /**
   * The definition that scores the validation set (same parameters), e.g. at
   * tighter tolerances. Default: `def.exact()` (the exact trace; a Hutchinson
   * estimate would make early stopping react to noise), else `def`.
   */
  readonly evaluation?: FlowDef<ContinuousFlowParams<P>>;
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

/** What {@link fitFfjord} adds to core `fit`'s epoch records: NFE and the regularised parts. */
type FfjordExtras = {
  readonly nfe: number;
  /** Epoch means of `[nll, ∫‖f‖² dt, ∫‖∂f/∂z‖²_F dt]`, `undefined` when both weights are 0. */
  readonly regularized: readonly number[] | undefined;
};

/** The outcome of {@link fitFfjord}: core `fit`'s, with FFJORD's epoch records. */
export interface FfjordFitResult<P extends Params> extends Omit<
  FitResult<ContinuousFlowParams<P>>,
  'history'
> {
  readonly history: readonly FfjordEpochRecord[];
  /**
   * The definition to score, sample and save the parameters with: `evaluation`
   * (by default `def.exact()`), so `logProb(result.def, result.params, rows)`
   * is exact without rebuilding the flow.
   */
  readonly def: FlowDef<ContinuousFlowParams<P>>;
}

/**
 * The default training solver for a definition integrating with `own` (its
 * `config.solver`): Dopri5 loosened to at least `tolerance`, else `undefined`
 * (train with the definition's own solver).
 */
const defaultTrainingSolver = (own: SolverConfig, tolerance: number): SolverConfig | undefined =>
  own.kind === 'dopri5' && ((own.rtol ?? 1e-5) < tolerance || (own.atol ?? 1e-5) < tolerance)
    ? {
        ...own,
        rtol: Math.max(own.rtol ?? 1e-5, tolerance),
        atol: Math.max(own.atol ?? 1e-5, tolerance),
      }
    : undefined;

/**
 * The definition the training solves run: `def.withSolver(options.trainingSolver)`, or by
 * default `def` rebuilt at the protocol's training tolerance (see {@link FfjordFitOptions}).
 */
const trainingDefinition = <P extends Params>(
  def: ContinuousFlowDef<P>,
  trainingSolver: SolverConfig | undefined,
): E.Either<BijectiveError, ContinuousFlowDef<P>> => {
  if (trainingSolver !== undefined) {
    const s = decodeSolverConfig(trainingSolver, 'options.trainingSolver');
    if (E.isLeft(s)) return s;
    return def.withSolver === undefined
      ? E.left(
          valueError(
            'options.trainingSolver',
            'a definition that can rebuild itself with another solver (a preset; def.withSolver)',
            `${def.name} without withSolver`,
          ),
        )
      : E.right(def.withSolver(s.right));
  }
  const own = decodeSolverConfig(def.config['solver'], 'def.config.solver');
  const loose = E.isRight(own)
    ? defaultTrainingSolver(own.right, FFJORD_DEFAULTS.trainingTolerance)
    : undefined;
  return E.right(loose === undefined || def.withSolver === undefined ? def : def.withSolver(loose));
};

const nonNegative = (
  name: string,
  v: number | undefined,
  fallback: number,
): E.Either<BijectiveError, number> =>
  v === undefined
    ? E.right(fallback)
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
 * in far fewer steps. Training is core's `fit` (Adam, minibatches reshuffled
 * every epoch, best parameters kept, early stopping after `patience` epochs)
 * with its hooks supplying the regularised loss, the validation score (by
 * `evaluation`, by default `def.exact()`: the exact trace) and the per-epoch
 * NFE and regulariser means. Defaults ({@link FFJORD_DEFAULTS}, core `fit`'s)
 * are the protocol of the README's FFJORD figure: RNODE weights 0.01, training
 * solves by Dopri5 at rtol = atol = 1e-4 (`def.withSolver`; option
 * `trainingSolver`) while validation uses the preset's own solver (Dopri5 at
 * 1e-5) with the exact trace, a seeded 10% held out unless `validation` is
 * given, patience 15 epochs; the result's `def` is `def.exact()`, which
 * scores with the preset's own solver and the exact trace.
 *
 * Returns `Left(ShapeError | ValueError)` for bad data or options and
 * `Left(DivergedError)` (with the last finite parameters) on a non-finite
 * loss or gradient or when the solver gives up. No tensor outlives the call
 * except the returned parameters.
 *
 * @example
 * ```ts
 * const def = ffjord({ dim: 2 }); // [64, 64, 64], exact trace in 2-D, Dopri5 at 1e-5
 * const r = await fitFfjord(def, train, { validation: val, seed: 0 }); // trains at 1e-4
 * if (E.isRight(r)) console.log(r.right.bestValLoss, logProb(r.right.def, r.right.params, test));
 * ```
 */
export const fitFfjord = async <P extends Params>(
  def: ContinuousFlowDef<P>,
  data: BatchLike,
  options: FfjordFitOptions<P> = {},
): Promise<E.Either<BijectiveError, FfjordFitResult<P>>> => {
  const { kineticEnergy, jacobianNorm, trainingSolver, evaluation, onProgress, ...rest } = options;
  const lk = nonNegative('options.kineticEnergy', kineticEnergy, FFJORD_DEFAULTS.kineticEnergy);
  if (E.isLeft(lk)) return lk;
  const lj = nonNegative('options.jacobianNorm', jacobianNorm, FFJORD_DEFAULTS.jacobianNorm);
  if (E.isLeft(lj)) return lj;
  const lambdaK = lk.right;
  const lambdaJ = lj.right;
  const regularize = lambdaK > 0 || lambdaJ > 0;
  const training = trainingDefinition(def, trainingSolver);
  if (E.isLeft(training)) return training;
  // The definition keeps no counters: NFE comes from a tally this call owns, fed by every solve
  // of `counted` (the training flow, reporting its solves).
  const tally = solveTally();
  const counted = training.right.observe(tally.onSolve);
  // Validation and the result score with `def`'s own solver, never the training one.
  const exact = evaluation ?? def.exact?.();
  const scorer = exact ?? def.observe(tally.onSolve);

  // Running sums of the epoch's per-batch [nll, ∫‖f‖², ∫‖∂f/∂z‖²_F] (regularised runs only).
  const sums = [0, 0, 0];
  const batchLoss = (p: ContinuousFlowParams<P>, xb: Batch, cb: Batch | undefined): tf.Scalar => {
    const r = counted.regularizedForward(p)(xb, cb);
    const nll = tf.neg(tf.mean(tf.add(counted.apply(p).base.logProb(r.y, cb), r.logDet)));
    const ke = tf.mean(r.kineticEnergy);
    const jn = tf.mean(r.jacobianNorm);
    tf.stack([nll, ke, jn])
      .dataSync()
      .forEach((v, i) => (sums[i]! += v));
    return tf.addN([nll, tf.mul(lambdaK, ke), tf.mul(lambdaJ, jn)]) as tf.Scalar;
  };
  const epochExtras = (): ((steps: number) => FfjordExtras) => {
    const nfe0 = tally.cost().nfe;
    sums.fill(0);
    return (count) => ({
      nfe: (tally.cost().nfe - nfe0) / count,
      regularized: regularize ? sums.map((s) => s / count) : undefined,
    });
  };
  const toFfjord = (r: EpochRecord<FfjordExtras>): FfjordEpochRecord => ({
    epoch: r.epoch,
    steps: r.steps,
    trainNll: r.extras.regularized?.[0] ?? r.trainLoss,
    kineticEnergy: r.extras.regularized?.[1],
    jacobianNorm: r.extras.regularized?.[2],
    nfe: r.extras.nfe,
    valLoss: r.valLoss,
    seconds: r.seconds,
  });

  const r = await fit(counted, data, {
    ...rest,
    batchLoss: regularize ? batchLoss : undefined, // undefined: fit's −mean log p(x)
    validationLoss: (p, x, c) => meanNll(scorer, p, x, c),
    epochExtras,
    isDivergence: (e) => e instanceof BijectiveError && e.kind === 'DivergedError',
    ...(onProgress === undefined
      ? {}
      : {
          onProgress: (p: FitProgress<FfjordExtras>) =>
            onProgress({ ...toFfjord(p), bestValLoss: p.bestValLoss, bestEpoch: p.bestEpoch }),
        }),
  });
  return E.map((o: FitResult<ContinuousFlowParams<P>, FfjordExtras>) => ({
    ...o,
    history: o.history.map(toFfjord),
    def: exact ?? def,
  }))(r);
};
