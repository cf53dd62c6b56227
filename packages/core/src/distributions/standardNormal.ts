import { tf } from '../tf.js';
import { tfSeed } from '../random.js';
import type { Distribution, DistributionDef } from '../distribution.js';
import type { NoParams } from '../transform.js';
import type { PerRow } from '../bijection.js';
import {
  STANDARD_NORMAL_LOG_PROB,
  STANDARD_NORMAL_LOG_PROB_GRAD,
  hasFusedKernel,
} from '../backend/fusedKernels.js';

const LOG_2PI = Math.log(2 * Math.PI);

/** `log N(z; 0, I)` per row: `-½ Σ zᵢ² - (d/2) log 2π`. */
export const standardNormalLogProb = (z: tf.Tensor2D): tf.Tensor1D =>
  tf.sub(tf.mul(-0.5, tf.sum(tf.square(z), 1)), 0.5 * z.shape[1] * LOG_2PI) as tf.Tensor1D;

/** Register, once, the gradient of the fused kernel: its backward kernel, both inputs in one call. */
const ensureGradient = (): void => {
  if (tf.getGradient(STANDARD_NORMAL_LOG_PROB) !== undefined) return;
  tf.registerGradient({
    kernelName: STANDARD_NORMAL_LOG_PROB,
    inputsToSave: ['z'],
    gradFunc: (dy, saved, attrs) => {
      const [z] = saved;
      const g = Array.isArray(dy) ? dy[0] : dy;
      if (z === undefined || g === undefined)
        throw new Error(`${STANDARD_NORMAL_LOG_PROB}: missing saved input or gradient`);
      const [dz, dLogDet] = tf
        .engine()
        .runKernel(STANDARD_NORMAL_LOG_PROB_GRAD, { z, dy: g }, attrs) as tf.Tensor[];
      if (dz === undefined || dLogDet === undefined)
        throw new Error(`${STANDARD_NORMAL_LOG_PROB_GRAD}: expected two outputs`);
      return { z: () => dz, logDet: () => dLogDet };
    },
  });
};

/**
 * `log N(z; 0, I) + sign · logDet` per row: the backend's fused
 * `STANDARD_NORMAL_LOG_PROB` kernel (one call, one backward call) when it has
 * one, else {@link standardNormalLogProb} and an add (or subtract).
 *
 * @example
 * ```ts
 * const lp = standardNormalLogProbWithLogDet(y, logDet, 1); // a flow's log-density
 * ```
 */
export const standardNormalLogProbWithLogDet = (
  z: tf.Tensor2D,
  logDet: PerRow,
  sign: 1 | -1,
): PerRow => {
  if (
    hasFusedKernel(STANDARD_NORMAL_LOG_PROB) &&
    logDet.rank === 1 &&
    logDet.shape[0] === z.shape[0] &&
    logDet.dtype === 'float32' &&
    z.dtype === 'float32'
  ) {
    ensureGradient();
    return tf.engine().runKernel(STANDARD_NORMAL_LOG_PROB, { z, logDet }, { sign }) as PerRow;
  }
  const base = standardNormalLogProb(z);
  return (sign === 1 ? tf.add(base, logDet) : tf.sub(base, logDet)) as PerRow;
};

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
    logProbWithLogDet: (z, logDet, sign) => standardNormalLogProbWithLogDet(z, logDet, sign),
    sample: (n, seed) => tf.randomNormal([n, dim], 0, 1, 'float32', tfSeed(seed)) as tf.Tensor2D,
  };
  return { init: () => [], apply: () => dist };
};
