import * as E from 'fp-ts/lib/Either.js';
import { tf } from '../tf.js';
import type { BijectiveError } from '../errors.js';
import {
  type Params,
  cloneParams,
  disposeParams,
  flattenParams,
  unflattenParams,
} from '../params.js';
import { type AdamOptions, adamInit, disposeAdam } from './adam.js';
import { AbortedError } from './aborted.js';
import { DivergedError } from './diverged.js';
import { type LossAndGrads, lossAndGrads } from './step.js';
import { isFiniteStep, optimizerStep } from './update.js';
import { throttledYield } from './yieldToEventLoop.js';

/**
 * The objective of one step of {@link trainLoop}: the scalar to minimise as a
 * function of the parameters (run under the gradient tape) and, optionally,
 * what to release once its gradient has been taken (the step's minibatch).
 */
export interface StepObjective<P extends Params> {
  readonly loss: (params: P) => tf.Scalar;
  readonly release?: () => void;
}

/** What {@link TrainLoopHooks.evaluate} sees after an update. */
export interface StepState<P extends Params> {
  /** Steps done (1-based). */
  readonly step: number;
  /** The loss of the step just taken (`NaN` in the final evaluation, which follows no new step). */
  readonly loss: number;
  /** The parameters to score: the running average with `ema`, else the current ones (not owned). */
  readonly params: P;
  /** `true` for the extra evaluation after the last step ({@link TrainLoopOptions.evaluateAtEnd}). */
  readonly final: boolean;
}

/** What {@link TrainLoopHooks.afterStep} sees after an update (and its score, if any). */
export interface StepReport {
  /** Steps done (1-based). */
  readonly step: number;
  readonly loss: number;
  /** The score `evaluate` returned for this step, if any. */
  readonly score: number | undefined;
  /** Whether that score is the best so far (its parameters are now the best ones). */
  readonly improved: boolean;
  readonly bestScore: number | undefined;
}

/** The messages of the errors a {@link trainLoop} returns, in the caller's words. */
export interface TrainLoopMessages {
  /** A step's loss or gradient is non-finite (`step`: the 0-based step that broke). */
  readonly diverged: (step: number, r: LossAndGrads) => string;
  /** The signal fired before step `steps` (`best`: whether best-score parameters are attached). */
  readonly aborted: (steps: number, best: boolean) => string;
  /**
   * Something threw after `steps` completed steps (`phase`: in a step or while
   * scoring): the error to return. Everything the loop holds is released.
   */
  readonly failed: (error: unknown, steps: number, phase: 'step' | 'evaluate') => BijectiveError;
  /** With {@link TrainLoopOptions.isDivergence}: the message of the DivergedError it turns a throw into. */
  readonly divergedBy?: (error: unknown, steps: number) => string;
  /** If given, a non-finite score ends training with a DivergedError carrying this message. */
  readonly invalidScore?: (score: number, steps: number) => string;
}

/** The objective and the hooks of a {@link trainLoop}. */
export interface TrainLoopHooks<P extends Params> {
  /** The objective of 0-based step `step` at the current parameters (not owned). */
  readonly objective: (step: number, params: P) => StepObjective<P>;
  /**
   * After every update: a validation score of `state.params` (lower is
   * better), or `undefined` for none at this step. Scores pick the best
   * parameters and drive `patience`.
   */
  readonly evaluate?: (state: StepState<P>) => number | undefined;
  /** After every update and its score: report progress; `'stop'` ends training. */
  readonly afterStep?: (report: StepReport) => void | 'stop' | Promise<void | 'stop'>;
}

/** Options of {@link trainLoop}. */
export interface TrainLoopOptions<P extends Params> extends Omit<AdamOptions, 'learningRate'> {
  /** Starting parameters, owned by the loop from here on (disposed unless returned or attached to an error). */
  readonly params: P;
  /** Adam steps at most. */
  readonly steps: number;
  /** Adam's step size, or a per-step schedule `η(step)` of the 0-based step. Default 1e-3. */
  readonly learningRate?: number | ((step: number) => number);
  /** Rescale gradients whose global norm exceeds this (default: no clipping). */
  readonly clipGradNorm?: number;
  /**
   * Polyak averaging: the decay `β_t` of 0-based step `t`, applied after every
   * update as `θ̄ ← β_t θ̄ + (1 − β_t) θ` from `θ̄₀ = θ₀`. The average is what
   * is scored and returned. Default: none.
   */
  readonly ema?: (step: number) => number;
  /** Scores without improvement before stopping (default: never). */
  readonly patience?: number;
  /** Score once more after the last step when its step was not scored (default false). */
  readonly evaluateAtEnd?: boolean;
  /** Checked before every step; when it fires the result is `Left(AbortedError)` with the best parameters so far. */
  readonly signal?: AbortSignal;
  /** Whether a thrown error is a divergence (a `DivergedError` with the last good parameters). Default: none is. */
  readonly isDivergence?: (error: unknown) => boolean;
  readonly messages: TrainLoopMessages;
}

/** The outcome of a {@link trainLoop}. */
export interface TrainLoopResult<P extends Params> {
  /** The best-scored parameters, else the average (with `ema`), else the last ones. Owned by the caller. */
  readonly params: P;
  /** Adam steps taken. */
  readonly steps: number;
  /** The best score and the step it was computed after (`undefined` without any). */
  readonly bestScore: number | undefined;
  readonly bestStep: number | undefined;
  /** `'steps'`: ran all steps; `'patience'`; `'callback'`: `afterStep` said `'stop'`. */
  readonly stoppedBy: 'steps' | 'patience' | 'callback';
}

/** A throw from `evaluate`, told apart from one in a step. */
class EvaluationFailure extends Error {
  constructor(readonly error: unknown) {
    super('evaluation failed');
  }
}

/**
 * The training loop every fitter of bijective runs (`fit`, `fitReverseKL`,
 * `fitFfjord`, `fitFlowMatching`, `distill`): they supply an objective and
 * hooks, it owns the rest. Each step `t`:
 *
 *   1. stop with `Left(AbortedError)` (best parameters so far) if `signal` fired;
 *   2. `L, ∇L ← objective(t, θ)`; a non-finite `L` or `‖∇L‖²` returns
 *      `Left(DivergedError)` with the parameters from *before* the previous
 *      update (the last ones whose step was finite);
 *   3. Adam update with step size `η(t)` and optional global-norm clipping;
 *   4. optional EMA `θ̄ ← β_t θ̄ + (1 − β_t) θ`;
 *   5. `evaluate` may score `θ̄` (or `θ`): the lowest finite score keeps a
 *      copy of its parameters; `patience` scores without improvement stop; a
 *      non-finite score is no improvement, or, with `messages.invalidScore`,
 *      `Left(DivergedError)` with the best (else last good) parameters;
 *   6. `afterStep` reports (and may stop); the loop yields to the event loop
 *      about every 25 ms.
 *
 * A throw becomes `Left(DivergedError)` when `isDivergence` says so, else the
 * caller's `failed` error. No tensor the loop creates outlives it except the
 * returned (or attached) parameters; the starting parameters are consumed.
 *
 * @example
 * ```ts
 * const r = await trainLoop({
 *   params: def.init(0),
 *   steps: 100,
 *   learningRate: (t) => 1e-2 * 0.99 ** t,
 *   objective: () => ({ loss: (p) => tf.neg(tf.mean(def.apply(p).logProb(x))) as tf.Scalar }),
 *   messages: {
 *     diverged: (t, r) => `diverged at step ${t}: loss ${r.loss}`,
 *     aborted: (t) => `aborted after ${t} steps`,
 *     failed: (e, t) => computationError(`failed at step ${t}`, e),
 *   },
 * });
 * ```
 */
export const trainLoop = async <P extends Params>(
  options: TrainLoopOptions<P> & TrainLoopHooks<P>,
): Promise<E.Either<BijectiveError, TrainLoopResult<P>>> => {
  const { messages, objective, evaluate, afterStep } = options;
  const rate = options.learningRate ?? 1e-3;
  const learningRate = typeof rate === 'number' ? () => rate : rate;
  const patience = options.patience ?? Number.POSITIVE_INFINITY;
  let params = options.params;
  let adam = adamInit(flattenParams(params).map((l) => l.tensor));
  // The parameters before the last update: what a DivergedError hands back when that update
  // produced parameters whose loss or gradient is non-finite.
  let previous: P | undefined;
  let average: P | undefined = options.ema !== undefined ? cloneParams(params) : undefined;
  let best: P | undefined;
  let bestScore: number | undefined;
  let bestStep: number | undefined;
  let lastScored: number | undefined;
  let sinceBest = 0;
  let done = 0;
  const pace = throttledYield();

  /** Release everything but `keep`, which goes to the caller. */
  const releaseAllBut = (keep: P | undefined): void => {
    disposeAdam(adam);
    for (const p of [params, previous, average, best])
      if (p !== undefined && p !== keep) disposeParams(p);
  };
  const diverged = (message: string, step: number, keep: P) => {
    releaseAllBut(keep);
    return E.left(new DivergedError(message, step, keep));
  };
  /** Score the parameters after `done` steps; a Left when the score ends training. */
  const score = (state: StepState<P>): E.Either<BijectiveError, number | undefined> => {
    let value: number | undefined;
    try {
      value = evaluate?.(state);
    } catch (e) {
      throw new EvaluationFailure(e);
    }
    if (value === undefined) return E.right(undefined);
    lastScored = state.step;
    if (!Number.isFinite(value) && messages.invalidScore !== undefined)
      return diverged(
        messages.invalidScore(value, state.step),
        state.step,
        best ?? previous ?? params,
      );
    if (Number.isFinite(value) && (bestScore === undefined || value < bestScore)) {
      if (best !== undefined) disposeParams(best);
      best = cloneParams(state.params);
      bestScore = value;
      bestStep = state.step;
      sinceBest = 0;
    } else sinceBest++;
    return E.right(value);
  };

  let stoppedBy: TrainLoopResult<P>['stoppedBy'] = 'steps';
  try {
    for (let step = 0; step < options.steps; step++) {
      if (options.signal?.aborted === true) {
        const keep = best ?? average ?? params;
        releaseAllBut(keep);
        return E.left(new AbortedError(messages.aborted(step, best !== undefined), step, keep));
      }
      const o = objective(step, params);
      let r: LossAndGrads;
      try {
        r = lossAndGrads(params, o.loss);
      } finally {
        o.release?.();
      }
      if (!isFiniteStep(r)) {
        tf.dispose(r.grads);
        return diverged(messages.diverged(step, r), step, previous ?? params);
      }
      const next = optimizerStep(params, r, adam, {
        beta1: options.beta1,
        beta2: options.beta2,
        epsilon: options.epsilon,
        clipGradNorm: options.clipGradNorm,
        learningRate: learningRate(step),
      });
      if (previous !== undefined) disposeParams(previous);
      previous = params;
      ({ params, adam } = next);
      done = step + 1;
      if (average !== undefined && options.ema !== undefined) {
        const beta = options.ema(step);
        const prev: P = average;
        const cur = flattenParams(params);
        average = unflattenParams(
          prev,
          tf.tidy(() =>
            flattenParams(prev).map((l, i) =>
              tf.add(tf.mul(beta, l.tensor), tf.mul(1 - beta, cur[i]!.tensor)),
            ),
          ),
        );
        disposeParams(prev);
      }
      const before = bestStep;
      const scored = score({ step: done, loss: r.loss, params: average ?? params, final: false });
      if (E.isLeft(scored)) return scored;
      const verdict = await afterStep?.({
        step: done,
        loss: r.loss,
        score: scored.right,
        improved: scored.right !== undefined && bestStep !== before,
        bestScore,
      });
      if (verdict === 'stop') stoppedBy = 'callback';
      else if (scored.right !== undefined && sinceBest >= patience) stoppedBy = 'patience';
      if (stoppedBy !== 'steps') break;
      await pace();
    }
    if (options.evaluateAtEnd === true && done > 0 && lastScored !== done) {
      const scored = score({
        step: done,
        loss: Number.NaN,
        params: average ?? params,
        final: true,
      });
      if (E.isLeft(scored)) return scored;
    }
  } catch (caught) {
    const phase = caught instanceof EvaluationFailure ? 'evaluate' : 'step';
    const e = caught instanceof EvaluationFailure ? caught.error : caught;
    if (options.isDivergence?.(e) === true && messages.divergedBy !== undefined)
      return diverged(messages.divergedBy(e, done), done, previous ?? params);
    releaseAllBut(undefined);
    return E.left(messages.failed(e, done, phase));
  }
  const result = best ?? average ?? params;
  releaseAllBut(result);
  return E.right({ params: result, steps: done, bestScore, bestStep, stoppedBy });
};
