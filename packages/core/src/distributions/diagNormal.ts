import { tf } from '../tf.js';
import { tfSeed } from '../random.js';
import type { DistributionDef } from '../distribution.js';
import { standardNormalLogProb } from './standardNormal.js';

/** Parameters of {@link diagNormal}: a mean and a log standard deviation per dimension. */
export type DiagNormalParams = {
  readonly mean: tf.Tensor1D;
  readonly logScale: tf.Tensor1D;
};

/**
 * A diagonal normal `N(μ, diag σ²)` with learnable `μ` and `log σ`
 * (initialised to `N(0, I)`). `log p(z) = log N((z-μ)/σ; 0, I) - Σ log σᵢ`;
 * samples `z = μ + σ ⊙ ε` are reparameterized.
 *
 * @example
 * ```ts
 * const d = diagNormal(2);
 * const lp = d.apply(d.init(0)).logProb(tf.zeros([3, 2])); // [3]
 * ```
 */
export const diagNormal = (dim: number): DistributionDef<DiagNormalParams> => ({
  init: () => ({ mean: tf.zeros([dim]), logScale: tf.zeros([dim]) }),
  apply: ({ mean, logScale }) => ({
    dim,
    logProb: (z) =>
      tf.sub(
        standardNormalLogProb(tf.mul(tf.sub(z, mean), tf.exp(tf.neg(logScale)))),
        tf.sum(logScale),
      ) as tf.Tensor1D,
    sample: (n, seed) =>
      tf.add(
        mean,
        tf.mul(tf.exp(logScale), tf.randomNormal([n, dim], 0, 1, 'float32', tfSeed(seed))),
      ),
  }),
});
