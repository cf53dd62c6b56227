import { tf } from '../tf.js';
import type { Batch, PerRow } from '../bijection.js';
import type { TransformDef } from '../transform.js';
import {
  type SplineOptions,
  identityDerivative,
  rationalQuadraticSpline,
  rationalQuadraticSplineInverse,
  splineParamCount,
} from './rationalQuadraticSpline.js';

/** Parameters of {@link splineTransform}: `[dim, 3K - 1]` unconstrained spline parameters. */
export type SplineTransformParams = { readonly raw: tf.Tensor2D };

/**
 * Initial raw spline parameters for `[rows, 3K - 1]`: uniform bins and unit
 * derivatives, i.e. exactly the identity map.
 */
export const identitySplineParams = (
  rows: number,
  bins: number,
  minDerivative?: number,
): tf.Tensor2D =>
  tf.tidy(() =>
    tf.concat(
      [tf.zeros([rows, 2 * bins]), tf.fill([rows, bins - 1], identityDerivative(minDerivative))],
      1,
    ),
  ) as tf.Tensor2D;

/**
 * A learnable elementwise monotone rational-quadratic spline, one per
 * coordinate, not conditioned on anything (Durkan et al. 2019). Starts at the
 * identity. Both directions are one parallel pass.
 *
 * @example
 * ```ts
 * const t = splineTransform(2, { bins: 8, bound: 5 });
 * const b = t.apply(t.init(0));
 * ```
 */
export const splineTransform = (
  dim: number,
  options: SplineOptions = {},
): TransformDef<SplineTransformParams> => {
  const bins = options.bins ?? 8;
  const tile = (raw: tf.Tensor2D, batch: number) =>
    tf.broadcastTo(tf.expandDims(raw, 0), [batch, dim, splineParamCount(bins)]) as tf.Tensor3D;
  return {
    init: () => ({ raw: identitySplineParams(dim, bins, options.minDerivative) }),
    apply: ({ raw }) => ({
      forward: (x) => {
        const r = rationalQuadraticSpline(x, tile(raw, x.shape[0]), options);
        return { y: r.out, logDet: tf.sum(r.logAbsDeriv, 1) as PerRow };
      },
      inverse: (y) => {
        const r = rationalQuadraticSplineInverse(y, tile(raw, y.shape[0]), options);
        return { x: r.out as Batch, logDet: tf.sum(r.logAbsDeriv, 1) as PerRow };
      },
    }),
  };
};
