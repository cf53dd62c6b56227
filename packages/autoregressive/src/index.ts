/**
 * `@bijective/autoregressive`: MAF, IAF and spline MAF presets and
 * distillation. Layers are on `@bijective/autoregressive/layers`, the
 * registry on `@bijective/autoregressive/testing`.
 */
export {
  type IafOptions,
  type MafOptions,
  type MafSplineOptions,
  type AutoregressiveFlowDef,
  maf,
  iaf,
  mafSpline,
  presets,
  withBatchNormStatistics,
} from './presets.js';
export type { MadeInit } from './made.js';
export type { BatchNormStatistics } from './batchNorm.js';
export {
  type DistillOptions,
  type DistillProgress,
  type DistillResult,
  type DistillValidation,
  type DistillWarmStart,
  distill,
} from './distill.js';
