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
export {
  type DistillOptions,
  type DistillProgress,
  type DistillResult,
  type DistillValidation,
  type DistillWarmStart,
  distill,
} from './distill.js';
export { type ActivationName } from '@bijective/core';
export {
  type IafOptions,
  type MafOptions,
  type MafSplineOptions,
  type AutoregressiveFlowDef,
  maf,
  iaf,
  mafSpline,
  type PresetBuilders,
  presets,
  withBatchNormStatistics,
} from './presets.js';
export { registry } from './registry.js';
