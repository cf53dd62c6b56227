import type { tf } from '../tf.js';
import type { Batch } from '../bijection.js';
import type { Params } from '../params.js';

/**
 * Extension points of `fit` for objectives other than plain maximum
 * likelihood (e.g. FFJORD with RNODE regularisers, Finlay et al. 2020). Every
 * hook is optional and its default is `fit`'s own behaviour, so leaving them
 * all out trains `min_θ −mean_x log p_θ(x)` exactly as before.
 *
 * `X` is the type of the extra per-epoch figures {@link epochExtras} reports;
 * it lands in every history record and progress report as `extras`.
 *
 * @example
 * ```ts
 * // Maximum likelihood plus an L2 penalty λ‖θ‖², reporting the penalty per epoch.
 * let penalty = 0;
 * const r = await fit(def, rows, {
 *   batchLoss: (p, x, c) => {
 *     const l2 = tf.addN(flattenParams(p).map((l) => tf.sum(tf.square(l.tensor))));
 *     penalty += l2.dataSync()[0]!;
 *     return tf.add(tf.neg(tf.mean(def.apply(p).logProb(x, c))), tf.mul(1e-4, l2));
 *   },
 *   epochExtras: () => { penalty = 0; return (steps) => ({ l2: penalty / steps }); },
 *   onProgress: (p) => console.log(p.epoch, p.trainLoss, p.extras.l2),
 * });
 * ```
 */
export interface FitHooks<P extends Params, X = undefined> {
  /**
   * The scalar minimised on one minibatch `x` (rows of the training set, with
   * their `context` rows for a conditional flow), as a function of the
   * parameters; it runs under the gradient tape, once per Adam step, and its
   * tensors are released by `fit`. Reading a value back here (`dataSync`) is
   * the way to report per-batch figures through {@link epochExtras}. The
   * epoch's `trainLoss` is the mean of this loss over its steps.
   * Default: the mean negative log-likelihood `−mean log p(x | c)` of the
   * flow being fitted.
   */
  readonly batchLoss?: (params: P, x: Batch, context: Batch | undefined) => tf.Scalar;
  /**
   * The score of the validation set after every epoch (lower is better): it
   * picks the best parameters, drives `patience` and becomes `valLoss`. A
   * non-finite score ends training with a `DivergedError`. Default:
   * {@link meanNll} of the flow being fitted, e.g. override it to score with
   * another definition sharing the parameters (exact trace, tighter solver).
   */
  readonly validationLoss?: (params: P, x: Batch, context: Batch | undefined) => number;
  /**
   * Extra per-epoch figures. Called before each epoch's first step (start
   * counters here); the function it returns is called after the epoch's last
   * step, before the validation set is scored, with the number of steps the
   * epoch took, and its value becomes the record's `extras`. Default: none,
   * and records carry no `extras` field.
   */
  readonly epochExtras?: () => (steps: number) => X;
  /**
   * Whether an error thrown while training (e.g. an adaptive ODE solver
   * giving up) is a divergence: `fit` then returns `Left(DivergedError)` with
   * the last parameters whose step was finite, instead of
   * `Left(ComputationError)`. Default: no error is.
   */
  readonly isDivergence?: (error: unknown) => boolean;
}

/**
 * `{ extras: X }` when {@link FitHooks.epochExtras} reports figures of type
 * `X`, nothing (`unknown`, the neutral element of `&`) when `X` is `undefined`.
 *
 * @example
 * ```ts
 * const r: WithExtras<{ nfe: number }> = { extras: { nfe: 12 } };
 * const none: WithExtras<undefined> = {}; // no field at all
 * ```
 */
export type WithExtras<X> = [X] extends [undefined] ? unknown : { readonly extras: X };
