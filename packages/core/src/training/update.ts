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
export const isFiniteStep = (r: LossAndGrads): boolean => Number.isFinite(r.loss) && Number.isFinite(r.gradNormSquared);

/**
 * Apply one Adam update from {@link lossAndGrads}' output, with optional
 * global-norm gradient clipping (`g ← g · min(1, c / ‖g‖)`). Takes ownership
 * of the old parameters, the gradients and the old optimiser state (all
 * disposed) and returns the new parameters and state. The one update rule
 * shared by `fit`, `fitReverseKL` and every package's training loop.
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
  const max = options.clipGradNorm;
  const scale = max === undefined || r.gradNormSquared <= max * max ? 1 : max / Math.sqrt(r.gradNormSquared);
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
  const updated = unflattenParams(params, next.leaves);
  disposeParams(params);
  return { params: updated, adam: next.state };
};
