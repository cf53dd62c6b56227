import * as E from 'fp-ts/lib/Either.js';
import { tf } from '../tf.js';
import type { Batch, PerRow } from '../bijection.js';
import { BijectiveError, computationError, shapeError, valueError } from '../errors.js';
import type { FlowDef } from '../flow.js';
import { type Params, cloneParams, disposeParams, flattenParams, splitSeed } from '../params.js';
import { type AdamOptions, adamInit, disposeAdam } from './adam.js';
import { AbortedError } from './aborted.js';
import { DivergedError } from './diverged.js';
import { validateTrainingOptions } from './options.js';
import { lossAndGrads } from './step.js';
import { isFiniteStep, optimizerStep } from './update.js';
import { throttledYield } from './yieldToEventLoop.js';

/** An unnormalized target log-density `log p̃(x)`: `[batch, dim]` → `[batch]`, differentiable in `x`. */
export type LogDensity = (x: Batch) => PerRow;

/** Options of {@link fitReverseKL}. */
export interface ReverseKLOptions<P extends Params> extends AdamOptions {
  readonly params?: P;
  readonly seed?: number;
  /** Adam steps (default 1000). */
  readonly steps?: number;
  /** Samples per step (default 256). */
  readonly batchSize?: number;
  readonly clipGradNorm?: number;
  /** Called every `progressEvery` steps (default 50) with the current estimate. Return `'stop'` to end. */
  readonly onProgress?: (p: { step: number; kl: number }) => void | 'stop';
  readonly progressEvery?: number;
  /** Stops training when it fires: the result is then `Left(AbortedError)` with the latest parameters. */
  readonly signal?: AbortSignal;
}

/** The outcome of {@link fitReverseKL}. */
export interface ReverseKLResult<P extends Params> {
  readonly params: P;
  /** Per step: the Monte-Carlo estimate of `KL(q ‖ p̃) = E_q[log q(x) - log p̃(x)]` (= KL(q‖p) - log Z). */
  readonly history: readonly number[];
  readonly steps: number;
}

/**
 * Variational inference: fit the flow `q` to an unnormalized target `p̃` by
 * minimising the reverse KL, `E_{x~q}[log q(x) - log p̃(x)]`, estimated with
 * reparameterized samples `x = T⁻¹(z)`, `z ~ base` (Rezende & Mohamed,
 * "Variational Inference with Normalizing Flows", 2015). Sampling and
 * density come from one inverse pass, so flows whose inverse is fast (IAF,
 * coupling) are the natural choice. Deterministic given `seed` on a backend.
 *
 * @example
 * ```ts
 * const banana: LogDensity = (x) => ...;
 * const r = await fitReverseKL(iaf({ dim: 2 }), banana, { steps: 2000, seed: 0 });
 * ```
 */
export const fitReverseKL = async <P extends Params>(
  def: FlowDef<P>,
  logTarget: LogDensity,
  options: ReverseKLOptions<P> = {},
): Promise<E.Either<BijectiveError, ReverseKLResult<P>>> => {
  const checked = validateTrainingOptions(options);
  if (E.isLeft(checked)) return checked;
  const steps = options.steps ?? 1000;
  const batch = options.batchSize ?? 256;
  const every = options.progressEvery ?? 50;
  if (!(Number.isSafeInteger(every) && every > 0))
    return E.left(valueError('options.progressEvery', 'a positive integer', String(every)));
  if (def.contextDim > 0)
    return E.left(valueError('def', 'an unconditional flow', `contextDim ${def.contextDim}`));
  const seed = options.seed ?? 0;
  let params: P = options.params !== undefined ? cloneParams(options.params) : def.init(seed);
  let adam = adamInit(flattenParams(params).map((l) => l.tensor));
  // The parameters before the last update, handed back if that update breaks the next step.
  let previous: P | undefined;
  const history: number[] = [];
  const pace = throttledYield();
  const releaseAllBut = (keep: P): void => {
    disposeAdam(adam);
    for (const p of [params, previous]) if (p !== undefined && p !== keep) disposeParams(p);
  };
  // The target must give one log-density per row; a [n, 1] or [n, n] result would broadcast
  // silently into a different objective.
  const targetOf = (x: Batch): PerRow => {
    const lp = logTarget(x);
    if (lp.rank !== 1 || lp.shape[0] !== x.shape[0])
      throw shapeError('logTarget(x)', `shape [${x.shape[0]}]`, `[${lp.shape.join(', ')}]`);
    return lp;
  };
  try {
    for (let step = 0; step < steps; step++) {
      if (options.signal?.aborted === true) {
        releaseAllBut(params);
        return E.left(
          new AbortedError(`reverse-KL training aborted after ${step} steps`, step, params),
        );
      }
      const s = splitSeed(seed, step + 1);
      const r = lossAndGrads(params, (p) =>
        tf.tidy(() => {
          const { x, logProb } = def.apply(p).sampleAndLogProb(batch, s);
          return tf.mean(tf.sub(logProb, targetOf(x))) as tf.Scalar;
        }),
      );
      if (!isFiniteStep(r)) {
        tf.dispose(r.grads);
        const keep = previous ?? params;
        releaseAllBut(keep);
        return E.left(
          new DivergedError(
            `reverse-KL training diverged at step ${step}: estimate ${r.loss}; the parameters before the step that broke are attached`,
            step,
            keep,
          ),
        );
      }
      const next = optimizerStep(params, r, adam, options);
      if (previous !== undefined) disposeParams(previous);
      previous = params;
      ({ params, adam } = next);
      history.push(r.loss);
      if ((step + 1) % every === 0 || step === steps - 1) {
        if (options.onProgress?.({ step: step + 1, kl: r.loss }) === 'stop') break;
      }
      await pace();
    }
  } catch (e) {
    releaseAllBut(params);
    disposeParams(params);
    if (e instanceof BijectiveError) return E.left(e);
    return E.left(computationError(`reverse-KL training failed at step ${history.length}`, e));
  }
  if (previous !== undefined) disposeParams(previous);
  disposeAdam(adam);
  return E.right({ params, history, steps: history.length });
};
