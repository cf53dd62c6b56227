export {
  type ActivationName,
  activations,
  activation,
  safeTanh,
  safeSigmoid,
  safeSoftplus,
  safeSwish,
  safeElu,
} from './activations.js';
export {
  type Time,
  type VectorField,
  type DynamicsDef,
  timeAndContext,
} from './dynamics/vectorField.js';
export { type DynamicsMlpOptions, resolveMlpOptions } from './dynamics/options.js';
export {
  type TimeEmbeddingMlpOptions,
  type TimeEmbeddingMlpParams,
  timeEmbeddingMlp,
  timeFeatures,
} from './dynamics/timeEmbeddingMlp.js';
export { type ConcatMlpParams, concatMlp } from './dynamics/concatMlp.js';
export {
  type ConcatSquashLayerParams,
  type ConcatSquashParams,
  concatSquashLayer,
  concatSquashMlp,
} from './dynamics/concatSquashMlp.js';
export type { OdeState, OdeFunction, OdeSolver, OdeSolution, SolveStats } from './solvers/types.js';
export {
  type ButcherTableau,
  explicitRungeKutta,
  rungeKuttaStep,
} from './solvers/explicitRungeKutta.js';
export { euler } from './solvers/euler.js';
export { midpoint } from './solvers/midpoint.js';
export { rk4 } from './solvers/rk4.js';
export { type Dopri5Options, dopri5 } from './solvers/dopri5.js';
export { type SolverConfig, solverFromConfig } from './solvers/fromConfig.js';
export {
  type TraceMethod,
  type ProbeKind,
  type FieldAndDivergence,
  type RowMap,
  valueAndVjp,
  exactDivergence,
  hutchinsonDivergence,
  drawProbe,
  divergence,
} from './trace.js';
export { odeintAdjoint } from './adjoint.js';
export {
  type GradientMethod,
  type SolveReport,
  type SolveCost,
  type RegularizedForward,
  type FfjordTransformOptions,
  type FfjordTransformDef,
  type SolveTally,
  ffjordTransform,
  probeSeedFor,
  solveTally,
} from './ffjord.js';
export {
  type ContinuousFlowParams,
  type ContinuousFlowDef,
  type ContinuousFlowOptions,
  continuousFlow,
} from './continuousFlow.js';
export { hungarian, squaredDistances } from './flowMatching/assignment.js';
export { flowMatchingLoss } from './flowMatching/loss.js';
export {
  type Coupling,
  type FlowMatchingOptions,
  type FlowMatchingResult,
  FLOW_MATCHING_DEFAULTS,
  fitFlowMatching,
} from './flowMatching/fitFlowMatching.js';
export {
  type FfjordFitOptions,
  type FfjordEpochRecord,
  type FfjordFitProgress,
  type FfjordFitResult,
  FFJORD_DEFAULTS,
  fitFfjord,
} from './fitFfjord.js';
export {
  type MlpDynamicsParams,
  type DynamicsLayer,
  type ContinuousPresetOptions,
  FFJORD_EXACT_TRACE_UP_TO,
  defaultContinuousHidden,
  ffjord,
  flowMatching,
  presets,
} from './presets.js';
export { registry } from './registry.js';
