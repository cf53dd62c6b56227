import { tf } from '../tf.js';
import type { Batch } from '../bijection.js';
import type { ElementwiseResult } from '../spline/rationalQuadraticSpline.js';

/**
 * A monotone map applied to every coordinate with its own raw (unconstrained)
 * parameters: the one element-map vocabulary of bijective, as zuko's
 * `MonotonicAffineTransform` / `MonotonicRQSTransform` are shared by its
 * coupling and autoregressive flows. A *layer family* only decides how the raw
 * parameters are computed:
 *
 * - coupling (`@bijective/coupling`'s `coupling`): an MLP on the conditioning
 *   half of the coordinates, `raw = MLP([x_a, c])`, both directions one pass;
 * - autoregressive (`@bijective/autoregressive`'s `autoregressive`): a MADE,
 *   `rawᵢ = MADE(x_{<i}, c)ᵢ`, density one pass, sampling `d` passes.
 *
 * so one `ElementMap` gives both a coupling and an autoregressive layer.
 *
 * With `raw` of shape `[batch, d, paramsPerDim]` and `x`, `y` of shape
 * `[batch, d]`: `forward(x, raw) = { out: y, logAbsDeriv: log|∂y/∂x| }`
 * (data → base), `inverse(y, raw) = { out: x, logAbsDeriv: log|∂x/∂y| }`
 * (base → data), both elementwise, so a layer's log-det is the row sum.
 *
 * @example
 * ```ts
 * // y = x · exp(a): one raw parameter per coordinate
 * const scale: ElementMap = {
 *   paramsPerDim: 1,
 *   forward: (x, raw) => { const a = rawComponent(raw, 0); return { out: tf.mul(x, tf.exp(a)), logAbsDeriv: a }; },
 *   inverse: (y, raw) => { const a = rawComponent(raw, 0); return { out: tf.mul(y, tf.exp(tf.neg(a))), logAbsDeriv: tf.neg(a) }; },
 * };
 * ```
 */
export interface ElementMap {
  /** Raw parameters per coordinate (`k`: `raw` is `[batch, d, k]`). */
  readonly paramsPerDim: number;
  /**
   * Raw parameters of one coordinate (length `paramsPerDim`, default all zeros)
   * that give the identity map: conditioners start their output there (a
   * coupling's last-layer bias, a MADE's output bias).
   */
  readonly initialOutput?: readonly number[];
  /** data → base, elementwise values and `log |∂out/∂in|`. */
  readonly forward: (x: Batch, raw: tf.Tensor3D) => ElementwiseResult;
  /** base → data, elementwise values and `log |∂out/∂in|`. */
  readonly inverse: (y: Batch, raw: tf.Tensor3D) => ElementwiseResult;
}

/**
 * Component `j` of raw parameters `[batch, d, k]`, as a `[batch, d]` batch
 * (e.g. the shift or the log-scale of every coordinate).
 *
 * @example
 * ```ts
 * const shift = rawComponent(raw, 0);
 * const logScale = rawComponent(raw, 1);
 * ```
 */
export const rawComponent = (raw: tf.Tensor3D, j: number): Batch => {
  const [batch, n] = raw.shape;
  return tf.reshape(tf.slice(raw, [0, 0, j], [-1, -1, 1]), [batch, n]) as Batch;
};
