import { tf } from '../tf.js';
import { type Params, flattenParams, unflattenParams } from '../params.js';
import { squaredNorm } from '../backend/fusedKernels.js';

/** Loss, squared gradient norm and gradients at the current parameters. */
export interface LossAndGrads {
  readonly loss: number;
  readonly gradNormSquared: number;
  readonly grads: tf.Tensor[];
}

/**
 * Evaluate a scalar loss of a params tree and its gradient with respect to
 * every leaf (reverse mode). Reads back the loss and the squared gradient
 * norm in one transfer so the caller can stop on a non-finite value before
 * touching the parameters.
 */
export const lossAndGrads = <P extends Params>(params: P, loss: (p: P) => tf.Scalar): LossAndGrads => {
  const leaves = flattenParams(params).map((l) => l.tensor);
  const { value, grads, summary } = tf.tidy(() => {
    const { value, grads } = tf.valueAndGrads((...ts: tf.Tensor[]) => loss(unflattenParams(params, ts)))(leaves);
    const norm2 = squaredNorm(grads);
    return { value, grads, summary: tf.stack([value, norm2]) };
  });
  const [l, n] = summary.dataSync();
  summary.dispose();
  value.dispose();
  return { loss: l!, gradNormSquared: n!, grads };
};
