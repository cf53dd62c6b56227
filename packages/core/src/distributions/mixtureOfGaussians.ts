import { tf } from '../tf.js';
import type { DistributionDef } from '../distribution.js';
import { splitSeed } from '../params.js';

const LOG_2PI = Math.log(2 * Math.PI);

/** Parameters of {@link mixtureOfGaussians}: `[k]` logits, `[k, dim]` means and log-scales. */
export type MixtureParams = {
  readonly logits: tf.Tensor1D;
  readonly means: tf.Tensor2D;
  readonly logScales: tf.Tensor2D;
};

/**
 * A mixture of `k` diagonal Gaussians with learnable weights, means and
 * scales: `p(z) = Σₖ πₖ N(z; μₖ, diag σₖ²)`, `π = softmax(logits)`,
 * evaluated stably with log-sum-exp. Means start spread by `N(0, 1)` draws so
 * components are not symmetric. Sampling picks a component (not
 * differentiable in the weights) then draws `μₖ + σₖ ⊙ ε` (differentiable in
 * means and scales).
 *
 * @example
 * ```ts
 * const m = mixtureOfGaussians(2, 8);
 * const x = m.apply(m.init(0)).sample(100, 1); // [100, 2]
 * ```
 */
export const mixtureOfGaussians = (dim: number, k: number): DistributionDef<MixtureParams> => ({
  init: (seed) => ({
    logits: tf.zeros([k]),
    means: tf.randomNormal([k, dim], 0, 1, 'float32', seed) as tf.Tensor2D,
    logScales: tf.zeros([k, dim]),
  }),
  apply: ({ logits, means, logScales }) => ({
    dim,
    logProb: (z) => {
      // [batch, 1, dim] against [k, dim] → [batch, k]
      const u = tf.mul(tf.sub(tf.expandDims(z, 1), means), tf.exp(tf.neg(logScales)));
      const comp = tf.sub(
        tf.sub(tf.mul(-0.5, tf.sum(tf.square(u), 2)), tf.sum(logScales, 1)),
        0.5 * dim * LOG_2PI,
      );
      return tf.logSumExp(tf.add(comp, tf.logSoftmax(logits)), 1) as tf.Tensor1D;
    },
    sample: (n, seed) => {
      const idx = tf.reshape(tf.multinomial(tf.expandDims(logits, 0) as tf.Tensor2D, n, splitSeed(seed, 0)), [n]);
      const eps = tf.randomNormal([n, dim], 0, 1, 'float32', splitSeed(seed, 1));
      return tf.add(tf.gather(means, idx), tf.mul(tf.exp(tf.gather(logScales, idx)), eps)) as tf.Tensor2D;
    },
  }),
});
