import { tf } from '@bijective/core';
import type { VectorField } from '../dynamics/vectorField.js';

/**
 * The conditional flow-matching regression loss (Lipman et al., "Flow
 * Matching for Generative Modeling", 2023; with `σ_min = 0` the rectified
 * flow of Liu et al., "Flow Straight and Fast", 2023), written in this
 * package's time convention — data `x` at `t = 0`, base draw `z` at `t = T`:
 *
 *   `s = t/T`,  `x_t = (1 - s)·x + (σ_min + (1 - σ_min)·s)·z`,
 *   `u_t = ((1 - σ_min)·z - x) / T`,
 *   `L = mean_rows ‖v(t, x_t; c) - u_t‖²`.
 *
 * Its minimiser is the marginal velocity field that transports the data
 * distribution to the base, so the trained `v` is a CNF whose forward
 * (data → base) map integrates `v` from 0 to `T` — no ODE is solved during
 * training. `x`, `z`: `[batch, dim]` (rows paired by the chosen coupling);
 * `t`: `[batch]` in `[0, T]` (one time per row, passed to the field as a
 * `[batch]` tensor); `context`: `[batch, contextDim]`. Returns a scalar.
 *
 * @example
 * ```ts
 * const loss = flowMatchingLoss(field, x, z, t, { T: 1 }); // scalar
 * ```
 */
export const flowMatchingLoss = (
  field: VectorField,
  x: tf.Tensor2D,
  z: tf.Tensor2D,
  t: tf.Tensor1D,
  options: { readonly T: number; readonly sigmaMin?: number; readonly context?: tf.Tensor2D },
): tf.Scalar => {
  const { T } = options;
  const sigma = options.sigmaMin ?? 0;
  const s = tf.reshape(tf.div(t, T), [-1, 1]);
  const xt = tf.add(
    tf.mul(tf.sub(1, s), x),
    tf.mul(tf.add(sigma, tf.mul(1 - sigma, s)), z),
  ) as tf.Tensor2D;
  const target = tf.div(tf.sub(tf.mul(1 - sigma, z), x), T);
  const v = field(t, xt, options.context);
  return tf.mean(tf.sum(tf.square(tf.sub(v, target)), 1)) as tf.Scalar;
};
