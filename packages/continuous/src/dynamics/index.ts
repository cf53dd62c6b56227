/**
 * `@bijective/continuous/dynamics`: building a continuous flow from your own
 * vector field — second-order-safe activations, the dynamics networks, the
 * FFJORD transform and flow, and flow matching's loss and OT pairing.
 */
export {
  type ActivationName,
  activations,
  activation,
  safeTanh,
  safeSigmoid,
  safeSoftplus,
  safeSwish,
  safeElu,
} from '../activations.js';
export { type Time, type VectorField, type DynamicsDef, timeAndContext } from './vectorField.js';
export { type DynamicsMlpOptions, resolveMlpOptions } from './options.js';
export {
  type TimeEmbeddingMlpOptions,
  type TimeEmbeddingMlpParams,
  timeEmbeddingMlp,
  timeFeatures,
} from './timeEmbeddingMlp.js';
export { type ConcatMlpParams, concatMlp } from './concatMlp.js';
export {
  type ConcatSquashLayerParams,
  type ConcatSquashParams,
  concatSquashLayer,
  concatSquashMlp,
} from './concatSquashMlp.js';
export {
  type GradientMethod,
  type RegularizedForward,
  type FfjordTransformOptions,
  type FfjordTransformDef,
  ffjordTransform,
  probeSeedFor,
} from '../ffjord.js';
export {
  type ContinuousFlowParams,
  type ContinuousFlowOptions,
  continuousFlow,
} from '../continuousFlow.js';
export { hungarian, squaredDistances } from '../flowMatching/assignment.js';
export { decodeContinuousPresetOptions } from '../presetOptions.js';
