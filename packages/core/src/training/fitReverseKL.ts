import * as E from 'fp-ts/lib/Either.js';
import { tf } from '../tf.js';
import type { Batch, PerRow } from '../bijection.js';
import { BijectiveError, computationError, shapeError, valueError } from '../errors.js';
import type { FlowDef } from '../flow.js';
import { type Params, cloneParams, splitSeed } from '../params.js';
import type { AdamOptions } from './adam.js';
import { validateTrainingOptions } from './options.js';
import { type TrainLoopResult, trainLoop } from './trainLoop.js';

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
  const history: number[] = [];
  // The target must give one log-density per row; a [n, 1] or [n, n] result would broadcast
  // silently into a different objective.
  const targetOf = (x: Batch): PerRow => {
    const lp = logTarget(x);
    if (lp.rank !== 1 || lp.shape[0] !== x.shape[0])
      throw shapeError('logTarget(x)', `shape [${x.shape[0]}]`, `[${lp.shape.join(', ')}]`);
    return lp;
  };
  const r = await trainLoop<P>({
    learningRate: options.learningRate,
    beta1: options.beta1,
    beta2: options.beta2,
    epsilon: options.epsilon,
    clipGradNorm: options.clipGradNorm,
    signal: options.signal,
    params: options.params !== undefined ? cloneParams(options.params) : def.init(seed),
    steps,
    objective: (step) => {
      const s = splitSeed(seed, step + 1);
      return {
        loss: (p) =>
          tf.tidy(() => {
            const { x, logProb } = def.apply(p).sampleAndLogProb(batch, s);
            return tf.mean(tf.sub(logProb, targetOf(x))) as tf.Scalar;
          }),
      };
    },
    afterStep: ({ step, loss }) => {
      history.push(loss);
      if (step % every === 0 || step === steps) return options.onProgress?.({ step, kl: loss });
      return undefined;
    },
    messages: {
      diverged: (step, r) =>
        `reverse-KL training diverged at step ${step}: estimate ${r.loss}; the parameters before the step that broke are attached`,
      aborted: (step) => `reverse-KL training aborted after ${step} steps`,
      failed: (e, step) =>
        e instanceof BijectiveError
          ? e
          : computationError(`reverse-KL training failed at step ${step}`, e),
    },
  });
  return E.map((o: TrainLoopResult<P>) => ({ params: o.params, history, steps: o.steps }))(r);
};
