/**
 * `@bijective/core/spline`: the monotone rational-quadratic spline (Durkan et
 * al. 2019) and the elementwise spline transform built on it.
 */
export {
  type SplineOptions,
  type ElementwiseResult,
  rationalQuadraticSpline,
  rationalQuadraticSplineInverse,
  splineParamCount,
  identityDerivative,
} from '../spline/rationalQuadraticSpline.js';
export {
  splineTransform,
  identitySplineParams,
  type SplineTransformParams,
} from '../spline/splineTransform.js';
