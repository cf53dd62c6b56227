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
 * tfjs keeps (`tf.keep`) a copy of every tensor an op saves for its backward
 * pass and releases them after the backward pass at gradient depth 0. When
 * the forward pass throws instead (an adaptive ODE solver giving up), nothing
 * does: a failed step would leak every saved tensor of its tape. This does
 * what the engine does after a backward pass, and only outside any enclosing
 * gradient computation (whose tape is still in use).
 */
const releaseAbandonedTape = (): void => {
  const state = tf.engine().state;
  if (state.gradientDepth !== 0 || state.activeTape == null) return;
  for (const node of state.activeTape) for (const t of node.saved ?? []) t.dispose();
  state.activeTape = [];
};

/**
 * Evaluate a scalar loss of a params tree and its gradient with respect to
 * every leaf (reverse mode). Reads back the loss and the squared gradient
 * norm in one transfer so the caller can stop on a non-finite value before
 * touching the parameters.
 */
export const lossAndGrads = <P extends Params>(
  params: P,
  loss: (p: P) => tf.Scalar,
): LossAndGrads => {
  const leaves = flattenParams(params).map((l) => l.tensor);
  let computed: { value: tf.Scalar; grads: tf.Tensor[]; summary: tf.Tensor1D };
  try {
    computed = tf.tidy(() => {
      const { value, grads } = tf.valueAndGrads((...ts: tf.Tensor[]) =>
        loss(unflattenParams(params, ts)),
      )(leaves);
      const norm2 = squaredNorm(grads);
      return { value, grads, summary: tf.stack([value, norm2]) as tf.Tensor1D };
    });
  } catch (e) {
    releaseAbandonedTape();
    throw e;
  }
  const { value, grads, summary } = computed;
  const [l, n] = summary.dataSync();
  summary.dispose();
  value.dispose();
  return { loss: l!, gradNormSquared: n!, grads };
};
