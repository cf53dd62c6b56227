/**
 * `@bijective/core`: what a user of the library needs — flows and their
 * evaluation, the base distributions, training, saving, backends and errors.
 * Building blocks live on named subpaths: `/transforms`, `/nn`, `/spline`,
 * `/params`, `/presets`, `/training`, `/backend`, `/serialization`,
 * `/testing`, `/datasets`, `/data` and the Node-only `/node`.
 */
export { tf } from './tf.js';
export type { Batch, PerRow, Bijection, ForwardResult, InverseResult } from './bijection.js';
export { identity, compose, invert } from './algebra.js';
export {
  type Params,
  type ParamLeaf,
  type Parametrized,
  countParams,
  disposeParams,
  cloneParams,
} from './params.js';
export { type TransformDef, type NoParams, fixed, chain } from './transform.js';
export type { Distribution, DistributionDef } from './distribution.js';
export {
  standardNormal,
  standardNormalLogProb,
  standardNormalLogProbWithLogDet,
} from './distributions/standardNormal.js';
export { diagNormal, type DiagNormalParams } from './distributions/diagNormal.js';
export { mixtureOfGaussians, type MixtureParams } from './distributions/mixtureOfGaussians.js';
export {
  type Flow,
  type FlowDef,
  type FlowOptions,
  type FlowParams,
  type Json,
  type JsonObject,
  flow,
  makeFlow,
} from './flow.js';
export type { PresetBuilder, Presets } from './presets/preset.js';
export {
  logProb,
  sample,
  sampleAndLogProb,
  type SampleOptions,
  MAX_SAMPLE_VALUES,
} from './evaluate.js';
export { evaluate, type EvaluateOptions, type Evaluation } from './evaluateSet.js';
export {
  BijectiveError,
  type ErrorKind,
  computationError,
  serializationError,
  shapeError,
  valueError,
} from './errors.js';
export type { BatchLike } from './validate.js';
export {
  STANDARDIZED,
  type Standardization,
  type StandardizedConfig,
  standardized,
  withStandardized,
} from './standardized.js';
export { type BackendPlugin, useBackend, cpuBackend } from './backend/plugin.js';
export {
  type EpochFigures,
  type EpochRecord,
  type FitProgress,
  type FitOptions,
  type FitResult,
  fit,
  meanNll,
} from './training/fit.js';
export {
  type LogDensity,
  type ReverseKLOptions,
  type ReverseKLResult,
  fitReverseKL,
} from './training/fitReverseKL.js';
export { DivergedError } from './training/diverged.js';
export { AbortedError } from './training/aborted.js';
export { type LoadLimits, defaultLoadLimits } from './serialization/limits.js';
export type { WeightSpec, FlowManifest } from './serialization/manifest.js';
export { encodeFlow } from './serialization/encode.js';
export { decodeFlow } from './serialization/decode.js';
export { type FlowBuilders, restoreFlow } from './serialization/restore.js';
