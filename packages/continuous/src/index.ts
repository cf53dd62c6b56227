/**
 * `@bijective/continuous`: FFJORD and flow-matching presets and their
 * trainers. Solvers are on `@bijective/continuous/solvers`, dynamics networks
 * and the FFJORD transform on `@bijective/continuous/dynamics`, the registry on
 * `@bijective/continuous/testing`.
 */
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
export type { ContinuousFlowDef } from './continuousFlow.js';
export type { SolverConfig } from './solvers/fromConfig.js';
export type { TraceMethod, ProbeKind } from './trace.js';
export { type SolveReport, type SolveCost, type SolveTally, solveTally } from './ffjord.js';
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
