/**
 * `@bijective/core/nn`: the dense networks (conditioners) the flow families
 * build on, their activations by name, and the soft clamp of log-scales.
 */
export {
  type DenseParams,
  type Activation,
  type MlpOptions,
  glorotUniform,
  initMlp,
  applyMlp,
} from '../nn/mlp.js';
export { type MlpStackLayer, type MlpStackOptions, mlpStack } from '../nn/mlpStack.js';
export { LOG_SCALE_BOUND, softClamp } from '../nn/softClamp.js';
export { type ActivationName, activationNames, activation } from '../nn/activationName.js';
export { type FieldTraceLayers, type FieldTrace, fieldTrace } from '../nn/fieldTrace.js';
