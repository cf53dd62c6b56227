/**
 * `@bijective/autoregressive/layers`: the building blocks of the presets —
 * orderings and MADE (Germain et al. 2015), the autoregressive transform over
 * any core element map, its affine and spline variants, their inverses and
 * batch normalisation.
 */
export {
  type Ordering,
  resolveOrdering,
  inputDegrees,
  hiddenDegrees,
  maskMatrix,
} from './ordering.js';
export {
  type MadeParams,
  type MadeOptions,
  type MadeNetwork,
  type Made,
  type MadeInit,
  made,
} from './made.js';
export {
  type AutoregressiveOptions,
  type Univariate,
  autoregressive,
  maskedAutoregressive,
} from './autoregressive.js';
export { inverseTransform } from './inverseTransform.js';
export {
  affineUnivariate,
  affineAutoregressive,
  inverseAffineAutoregressive,
} from './affineAutoregressive.js';
export {
  type SplineAutoregressiveOptions,
  splineUnivariate,
  splineAutoregressive,
  inverseSplineAutoregressive,
} from './splineAutoregressive.js';
export {
  type BatchNormParams,
  type BatchNormStatistics,
  type BatchNormOptions,
  batchNorm,
} from './batchNorm.js';
export { decodeIafOptions, decodeMafOptions, decodeMafSplineOptions } from './presetOptions.js';
