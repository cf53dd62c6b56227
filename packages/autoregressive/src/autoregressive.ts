import {
  type Batch,
  type ElementwiseResult,
  type PerRow,
  type TransformDef,
  tf,
  valueError,
} from '@bijective/core';
import type { Made, MadeParams } from './made.js';

/**
 * A monotone map applied to each coordinate with its own parameters (zuko's
 * "univariate transform"): `forward` is data → base, `inverse` base → data,
 * both elementwise given `params [batch, d, paramsPerDim]`, returning the
 * outputs and the elementwise `log |d out / d in|`.
 *
 * @example
 * ```ts
 * // an elementwise exp-scale with one parameter per coordinate: y = x · exp(a)
 * const scale: Univariate = {
 *   paramsPerDim: 1,
 *   forward: (x, p) => { const a = tf.reshape(p, x.shape) as Batch; return { out: tf.mul(x, tf.exp(a)), logAbsDeriv: a }; },
 *   inverse: (y, p) => { const a = tf.reshape(p, y.shape) as Batch; return { out: tf.mul(y, tf.exp(tf.neg(a))), logAbsDeriv: tf.neg(a) }; },
 * };
 * ```
 */
export interface Univariate {
  readonly paramsPerDim: number;
  readonly forward: (x: Batch, params: tf.Tensor3D) => ElementwiseResult;
  readonly inverse: (y: Batch, params: tf.Tensor3D) => ElementwiseResult;
}

/**
 * A masked autoregressive transform (Papamakarios, Pavlakou & Murray, "Masked
 * Autoregressive Flow for Density Estimation", 2017): each coordinate is
 * transformed by a {@link Univariate} map whose parameters a {@link made}
 * network computes from the coordinates earlier in the ordering,
 *
 *   `yᵢ = τ(xᵢ; θᵢ(x_{<i}, c))`, `log|det ∂y/∂x| = Σᵢ log τ'(xᵢ; θᵢ)`,
 *
 * so the Jacobian is triangular in the ordering.
 *
 * **Directions.** `forward` (data → base, density evaluation) is ONE parallel
 * MADE pass. `inverse` (base → data, sampling) is sequential: it runs `d`
 * MADE passes, each fixing the next coordinate in the ordering (after pass `t`
 * the first `t` coordinates in the ordering are exact); the log-det is taken
 * from the last pass, whose parameters see only exact coordinates. For the
 * opposite trade-off (IAF) wrap it in {@link inverseTransform}.
 *
 * Shapes: `[batch, d]` in and out, log-dets `[batch]`, context `[batch, contextDim]`.
 *
 * @example
 * ```ts
 * const t = maskedAutoregressive(made({ dim: 2, paramsPerDim: 2 }), affineUnivariate);
 * const b = t.apply(t.init(0));
 * const { y, logDet } = tf.tidy(() => b.forward(tf.randomNormal([8, 2])));
 * ```
 */
export const maskedAutoregressive = (
  net: Made,
  univariate: Univariate,
): TransformDef<MadeParams> => {
  if (net.paramsPerDim !== univariate.paramsPerDim)
    throw valueError(
      'net.paramsPerDim',
      `${univariate.paramsPerDim} (what the univariate map needs)`,
      String(net.paramsPerDim),
    );
  return {
    init: (seed) => net.init(seed),
    apply: (params) => {
      const network = net.apply(params);
      return {
        forward: (x, context) => {
          const r = univariate.forward(x, network(x, context));
          return { y: r.out, logDet: tf.sum(r.logAbsDeriv, 1) as PerRow };
        },
        inverse: (y, context) => {
          let x: Batch = tf.zerosLike(y);
          let logAbsDeriv: Batch = x;
          for (let pass = 0; pass < net.dim; pass++) {
            const r = univariate.inverse(y, network(x, context));
            x = r.out;
            logAbsDeriv = r.logAbsDeriv;
          }
          return { x, logDet: tf.sum(logAbsDeriv, 1) as PerRow };
        },
      };
    },
  };
};
