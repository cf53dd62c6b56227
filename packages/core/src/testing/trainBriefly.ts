import { tf } from '../tf.js';
import type { Batch } from '../bijection.js';
import type { FlowDef } from '../flow.js';
import { type Params, flattenParams, unflattenParams } from '../params.js';
import { adamInit, adamStep, disposeAdam } from '../training/adam.js';
import { lossAndGrads } from '../training/step.js';

/** Options of {@link trainBriefly}. */
export interface BriefTraining {
  /** Full-batch Adam steps (default 20). */
  readonly steps?: number;
  /** Adam's learning rate (default 1e-2). */
  readonly learningRate?: number;
}

/**
 * A few full-batch Adam steps of maximum likelihood (`−mean log p(x | c)`)
 * from `params`, with core's own step functions. Tests use it to move a
 * flow away from its (often identity) initialisation towards data, so that
 * its log-det varies over the plane while its mass stays where the data is.
 * Returns new parameters; `params`, `data` and `context` stay the caller's.
 *
 * @example
 * ```ts
 * const trained = trainBriefly(def, params, x, undefined, { steps: 20 });
 * ```
 */
export const trainBriefly = <P extends Params>(
  def: FlowDef<P>,
  params: P,
  data: Batch,
  context?: Batch,
  options: BriefTraining = {},
): P => {
  const steps = options.steps ?? 20;
  const learningRate = options.learningRate ?? 1e-2;
  let leaves = flattenParams(params).map((l) => tf.clone(l.tensor));
  let state = adamInit(leaves);
  try {
    for (let s = 0; s < steps; s++) {
      const current = unflattenParams(params, leaves);
      const { loss, grads } = lossAndGrads(current, (p) =>
        tf.neg(tf.mean<tf.Scalar>(def.apply(p).logProb(data, context))),
      );
      if (!Number.isFinite(loss)) {
        tf.dispose(grads);
        throw new Error(`trainBriefly: non-finite loss ${loss} at step ${s}`);
      }
      const next = adamStep(leaves, grads, state, { learningRate });
      tf.dispose([...grads, ...leaves]);
      disposeAdam(state);
      leaves = next.leaves;
      state = next.state;
    }
  } catch (e) {
    tf.dispose(leaves);
    throw e;
  } finally {
    disposeAdam(state);
  }
  return unflattenParams(params, leaves);
};
