import { valueError } from '../errors.js';
import {
  type SplineOptions,
  identityDerivative,
  rationalQuadraticSpline,
  rationalQuadraticSplineInverse,
  splineParamCount,
} from '../spline/rationalQuadraticSpline.js';
import type { ElementMap } from './elementMap.js';
import {
  FUSED_SPLINE,
  FUSED_SPLINE_GRAD,
  type FusedSplineAttrs,
  hasFusedKernel,
} from '../backend/fusedKernels.js';
import { runFusedElementMap } from './fusedElementMap.js';

/**
 * The monotone rational-quadratic spline element map (Durkan, Bekasov, Murray &
 * Papamakarios, "Neural Spline Flows", 2019): `K` bins on `[-B, B]`, identity
 * tails, `3K - 1` raw parameters per coordinate (K widths, K heights, K - 1
 * interior derivatives), in the default `'floor'` parametrization or zuko's
 * `MonotonicRQSTransform` one (`parametrization: 'zuko'`, see {@link SplineOptions}):
 *
 *   forward (data → base): `y = RQS(x; raw)`,  `log|∂y/∂x| = log RQS'(x; raw)`
 *   inverse (base → data): `x = RQS⁻¹(y; raw)` in closed form (a quadratic per coordinate).
 *
 * The maths is {@link rationalQuadraticSpline} / {@link rationalQuadraticSplineInverse};
 * `initialOutput` (uniform bins, unit derivatives) is exactly the identity.
 * On a backend that registers `FUSED_SPLINE` both directions (and their
 * gradients) are one kernel call each; elsewhere the composite tfjs ops.
 *
 * @throws `BijectiveError` (ValueError) for `bins` not an integer ≥ 2 or `bound` not a positive finite number.
 * @example
 * ```ts
 * const m = splineMap({ bins: 8, bound: 5 });
 * const r = m.forward(x, raw); // raw: [batch, d, 23]
 * ```
 */
export const splineMap = (options: SplineOptions = {}): ElementMap => {
  const bins = options.bins ?? 8;
  if (!(Number.isInteger(bins) && bins >= 2))
    throw valueError('options.bins', 'an integer ≥ 2', String(bins));
  if (!(options.bound === undefined || (Number.isFinite(options.bound) && options.bound > 0)))
    throw valueError('options.bound', 'a positive finite number', String(options.bound));
  const attrs = (inverse: boolean): FusedSplineAttrs => ({
    bins,
    bound: options.bound ?? 5,
    minBinSize: options.minBinSize ?? 1e-3,
    minDerivative: options.minDerivative ?? 1e-3,
    zuko: options.parametrization === 'zuko',
    inverse,
  });
  const forwardAttrs = attrs(false);
  const inverseAttrs = attrs(true);
  return {
    paramsPerDim: splineParamCount(bins),
    initialOutput: [
      ...new Array<number>(2 * bins).fill(0),
      ...new Array<number>(bins - 1).fill(
        identityDerivative(options.minDerivative, options.parametrization),
      ),
    ],
    forward: (x, raw) =>
      hasFusedKernel(FUSED_SPLINE)
        ? runFusedElementMap(FUSED_SPLINE, FUSED_SPLINE_GRAD, x, raw, forwardAttrs)
        : rationalQuadraticSpline(x, raw, options),
    inverse: (y, raw) =>
      hasFusedKernel(FUSED_SPLINE)
        ? runFusedElementMap(FUSED_SPLINE, FUSED_SPLINE_GRAD, y, raw, inverseAttrs)
        : rationalQuadraticSplineInverse(y, raw, options),
  };
};
