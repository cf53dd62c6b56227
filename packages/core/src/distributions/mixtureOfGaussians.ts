import { tf } from '../tf.js';
import { tfSeed } from '../random.js';
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
 * components are not symmetric. Sampling picks a component by inverse CDF
 * (not differentiable in the weights; identical on every backend) then draws `μₖ + σₖ ⊙ ε` (differentiable in
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
    means: tf.randomNormal([k, dim], 0, 1, 'float32', tfSeed(seed)) as tf.Tensor2D,
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
      // Component by inverse CDF on JS-seeded uniforms (tf.multinomial's RNG differs per
      // backend); one-hot matMul instead of gather keeps it differentiable everywhere.
      const u = tf.randomUniform([n, 1], 0, 1, 'float32', tfSeed(splitSeed(seed, 0)));
      const cdf = tf.cumsum(tf.softmax(logits));
      const idx = tf.minimum(
        tf.sum(tf.cast(tf.greaterEqual(u, tf.expandDims(cdf, 0)), 'int32'), 1),
        tf.scalar(k - 1, 'int32'),
      );
      const onehot = tf.oneHot(idx, k) as tf.Tensor2D;
      const eps = tf.randomNormal([n, dim], 0, 1, 'float32', tfSeed(splitSeed(seed, 1)));
      return tf.add(
        tf.matMul(onehot, means),
        tf.mul(tf.exp(tf.matMul(onehot, logScales)), eps),
      ) as tf.Tensor2D;
    },
  }),
});
