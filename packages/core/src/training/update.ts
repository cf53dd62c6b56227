import { tf } from '../tf.js';
import { type Params, disposeParams, flattenParams, unflattenParams } from '../params.js';
import { type AdamOptions, type AdamState, adamStep, disposeAdam } from './adam.js';
import type { LossAndGrads } from './step.js';

/** Options of {@link optimizerUpdate}. */
export interface UpdateOptions extends AdamOptions {
  /** Rescale gradients whose global L2 norm exceeds this (default: no clipping). */
  readonly clipGradNorm?: number;
}

/** Whether a step's loss and gradient norm are finite, i.e. safe to apply. */
export const isFiniteStep = (r: LossAndGrads): boolean =>
  Number.isFinite(r.loss) && Number.isFinite(r.gradNormSquared);

/**
 * Apply one Adam update from {@link lossAndGrads}' output, with optional
 * global-norm gradient clipping (`g ← g · min(1, c / ‖g‖)`), leaving the old
 * parameters alive: takes ownership of the gradients and the old optimiser
 * state (both disposed) and returns the new parameters and state. Loops that
 * must be able to hand back the parameters from before a step (a
 * `DivergedError` after the step's successor turns out non-finite) use this
 * and dispose the old parameters one step later.
 *
 * @example
 * ```ts
 * const next = optimizerStep(params, r, adam, { learningRate: 1e-3 });
 * disposeParams(previous); // the step before last is no longer needed
 * previous = params;
 * ({ params, adam } = next);
 * ```
 */
export const optimizerStep = <P extends Params>(
  params: P,
  r: LossAndGrads,
  adam: AdamState,
  options: UpdateOptions = {},
): { params: P; adam: AdamState } => {
  const max = options.clipGradNorm;
  const scale =
    max === undefined || r.gradNormSquared <= max * max ? 1 : max / Math.sqrt(r.gradNormSquared);
  const grads = scale === 1 ? r.grads : r.grads.map((g) => tf.tidy(() => tf.mul(g, scale)));
  if (grads !== r.grads) tf.dispose(r.grads);
  const next = adamStep(
    flattenParams(params).map((l) => l.tensor),
    grads,
    adam,
    options,
  );
  tf.dispose(grads);
  disposeAdam(adam);
  return { params: unflattenParams(params, next.leaves), adam: next.state };
};

/**
 * {@link optimizerStep} that also disposes the old parameters: one Adam
 * update (with optional global-norm clipping) taking ownership of the old
 * parameters, the gradients and the old optimiser state. The update rule
 * shared by every training loop.
 *
 * @example
 * ```ts
 * const r = lossAndGrads(params, loss);
 * if (!isFiniteStep(r)) ... // stop: params are still the last good ones
 * ({ params, adam } = optimizerUpdate(params, r, adam, { learningRate: 1e-3 }));
 * ```
 */
export const optimizerUpdate = <P extends Params>(
  params: P,
  r: LossAndGrads,
  adam: AdamState,
  options: UpdateOptions = {},
): { params: P; adam: AdamState } => {
  const next = optimizerStep(params, r, adam, options);
  disposeParams(params);
  return next;
};
