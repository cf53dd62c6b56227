export { tf } from './tf.js';
export type { Batch, PerRow, Bijection, ForwardResult, InverseResult } from './bijection.js';
export { identity, compose, invert, bijectionMonoid } from './algebra.js';
export {
  type Params,
  type ParamLeaf,
  type Parametrized,
  flattenParams,
  unflattenParams,
  mapParams,
  countParams,
  disposeParams,
  cloneParams,
  paramsAreFinite,
  splitSeed,
} from './params.js';
export {
  type TransformDef,
  type NoParams,
  fixed,
  chain,
  declaredContextDim,
  withContextDim,
} from './transform.js';
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
export {
  logProb,
  sample,
  sampleAndLogProb,
  type SampleOptions,
  MAX_SAMPLE_VALUES,
} from './evaluate.js';
export {
  BijectiveError,
  type ErrorKind,
  computationError,
  serializationError,
  shapeError,
  valueError,
} from './errors.js';
export {
  type BatchLike,
  contextProblem,
  requireContext,
  validateBatch,
  validateContext,
  validatePositiveInt,
} from './validate.js';
export { evaluate, type EvaluateOptions, type Evaluation } from './evaluateSet.js';
export {
  STANDARDIZED,
  type Standardization,
  type StandardizedConfig,
  standardized,
  withStandardized,
} from './standardized.js';
export { elementwise } from './bijections/elementwise.js';
export {
  affine,
  affineTransform,
  type AffineOptions,
  type AffineParams,
} from './bijections/affine.js';
export { exp } from './bijections/exp.js';
export { sigmoid, logit } from './bijections/sigmoid.js';
export { softplus } from './bijections/softplus.js';
export { permutation, reversePermutation, randomPermutation } from './bijections/permutation.js';
export { mulberry32, randomPermutationIndices, tfSeed } from './random.js';
export {
  type DenseParams,
  type Activation,
  type MlpOptions,
  glorotUniform,
  initMlp,
  applyMlp,
} from './nn/mlp.js';
export { type BackendPlugin, backendError, useBackend, cpuBackend } from './backend/plugin.js';
export {
  FUSED_ADAM,
  SQUARED_NORM,
  FUSED_MLP,
  FUSED_MLP_GRAD,
  type FusedAdamAttrs,
  type FusedMlpActivation,
  type FusedMlpAttrs,
  type FusedMlpWorkspace,
  type WorkspacePiece,
  fusedMlpWorkspace,
  FUSED_SPLINE,
  FUSED_SPLINE_GRAD,
  FUSED_AFFINE,
  FUSED_AFFINE_GRAD,
  type FusedSplineAttrs,
  type FusedAffineAttrs,
  STANDARD_NORMAL_LOG_PROB,
  STANDARD_NORMAL_LOG_PROB_GRAD,
  hasFusedKernel,
  squaredNorm,
} from './backend/fusedKernels.js';
export {
  type SplineOptions,
  type ElementwiseResult,
  rowLogDet,
  rationalQuadraticSpline,
  rationalQuadraticSplineInverse,
  splineParamCount,
  identityDerivative,
} from './spline/rationalQuadraticSpline.js';
export {
  splineTransform,
  identitySplineParams,
  type SplineTransformParams,
} from './spline/splineTransform.js';
export * from './training/index.js';
export { registry } from './registry.js';
export * from './serialization/index.js';
export { type ParamSpec, checkParamsMatch, paramSpecs } from './paramsCheck.js';
export { WIDE_FROM_DIM, defaultHidden, presetTransforms } from './presetDefaults.js';
export { presetLimits, mlpParamCount, presetSizeProblem } from './presetLimits.js';
export { LOG_SCALE_BOUND, softClamp } from './nn/softClamp.js';
export { type ActivationName, activationNames, activation } from './nn/activationName.js';
export { type MlpStackLayer, type MlpStackOptions, mlpStack } from './nn/mlpStack.js';
export * from './elementMaps/index.js';
export { selectColumns, selectEntries } from './ops/selectColumns.js';
