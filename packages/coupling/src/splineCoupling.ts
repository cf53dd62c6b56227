import {
  type SplineOptions,
  type TransformDef,
  identityDerivative,
  rationalQuadraticSpline,
  rationalQuadraticSplineInverse,
  splineParamCount,
  valueError,
} from '@bijective/core';
import { type CouplingOptions, type CouplingParams, coupling } from './coupling.js';

/** Options of {@link splineCoupling}: the coupling's and the spline's (bins `K`, default 8; bound `B`, default 5). */
export interface SplineCouplingOptions extends CouplingOptions, SplineOptions {}

/**
 * Rational-quadratic spline coupling (Durkan, Bekasov, Murray & Papamakarios,
 * "Neural Spline Flows", 2019). Each transformed coordinate goes through a
 * monotone rational-quadratic spline with `K` bins on `[-B, B]` and identity
 * tails, whose `3K - 1` raw parameters (K widths, K heights, K - 1 interior
 * derivatives) are `MLP([x_a, c])` (`c` the optional context):
 *
 *   forward (data → base): `y_b = RQS(x_b; θ)`,  `log|det J| = Σ_b log RQS'(x_b; θ)`
 *   inverse (base → data): `x_b = RQS⁻¹(y_b; θ)` in closed form (a quadratic per coordinate)
 *
 * The spline maths is core's `rationalQuadraticSpline` /
 * `rationalQuadraticSplineInverse` (shared with the autoregressive family).
 * Both directions are one pass. The conditioner starts at uniform bins and
 * unit derivatives, i.e. exactly the identity.
 * Shapes: `[batch, dim]` in and out, log-det `[batch]`.
 *
 * @throws `BijectiveError` (ValueError) for an invalid mask, contextDim, `bins < 2` or `bound ≤ 0`.
 * @example
 * ```ts
 * const t = splineCoupling({ dim: 2, bins: 8, bound: 5, hidden: [64, 64] });
 * const b = t.apply(t.init(0));
 * const { x } = tf.tidy(() => b.inverse(tf.randomNormal([100, 2])));
 * ```
 */
export const splineCoupling = (options: SplineCouplingOptions): TransformDef<CouplingParams> => {
  const bins = options.bins ?? 8;
  if (!(Number.isInteger(bins) && bins >= 2))
    throw valueError('options.bins', 'an integer ≥ 2', String(bins));
  if (!(options.bound === undefined || (Number.isFinite(options.bound) && options.bound > 0)))
    throw valueError('options.bound', 'a positive finite number', String(options.bound));
  const spline: SplineOptions = {
    bins,
    bound: options.bound ?? 5,
    minBinSize: options.minBinSize ?? 1e-3,
    minDerivative: options.minDerivative ?? 1e-3,
  };
  const initialOutput = [
    ...new Array<number>(2 * bins).fill(0),
    ...new Array<number>(bins - 1).fill(identityDerivative(spline.minDerivative)),
  ];
  return coupling(options, {
    paramsPerDim: splineParamCount(bins),
    initialOutput,
    forward: (x, theta) => rationalQuadraticSpline(x, theta, spline),
    inverse: (y, theta) => rationalQuadraticSplineInverse(y, theta, spline),
  });
};
