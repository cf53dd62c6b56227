import { tf } from '../tf.js';
import { tfSeed } from '../random.js';
import type { Distribution, DistributionDef } from '../distribution.js';
import type { NoParams } from '../transform.js';

const LOG_2PI = Math.log(2 * Math.PI);

/** `log N(z; 0, I)` per row: `-½ Σ zᵢ² - (d/2) log 2π`. */
export const standardNormalLogProb = (z: tf.Tensor2D): tf.Tensor1D =>
  tf.sub(tf.mul(-0.5, tf.sum(tf.square(z), 1)), 0.5 * z.shape[1] * LOG_2PI) as tf.Tensor1D;

/**
 * The standard normal `N(0, I_dim)`, the usual base of a flow. No parameters.
 *
 * @example
 * ```ts
 * const base = standardNormal(2).apply([]);
 * const z = base.sample(5, 0); // [5, 2]
 * ```
 */
export const standardNormal = (dim: number): DistributionDef<NoParams> => {
  const dist: Distribution = {
    dim,
    logProb: standardNormalLogProb,
    sample: (n, seed) => tf.randomNormal([n, dim], 0, 1, 'float32', tfSeed(seed)) as tf.Tensor2D,
  };
  return { init: () => [], apply: () => dist };
};
