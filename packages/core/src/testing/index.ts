export {
  checkBijection,
  checkBijectionOnce,
  DEFAULT_LOG_DET_TOLERANCE,
  flowAsTransform,
  type CheckOptions,
  type InputSampler,
  type Tolerance,
} from './checkBijection.js';
export { jacobianRows, logAbsDet } from './jacobian.js';
export { expectNoLeaks, disposeDeep } from './leaks.js';
export {
  checkEntry,
  registryCases,
  type Registry,
  type RegistryEntry,
  type Shape,
} from './registry.js';
export {
  type FlowFingerprint,
  type FingerprintOptions,
  flowFingerprint,
  compareFingerprints,
  conformanceCases,
  checkConformance,
} from './conformance.js';
export { perturbParams } from './perturb.js';
export {
  type Mutation,
  flipLogDetSign,
  biasLogDet,
  offsetInverse,
  leakTensors,
  ignoreContext,
  mutateTransform,
  mutateFlow,
} from './mutants.js';
export {
  type IntegrationOptions,
  densityIntegral,
  integratesToOne,
  integrationCases,
  type RegistryIntegrationOptions,
  checkIntegratesToOne,
} from './integratesToOne.js';
export { type BriefTraining, trainBriefly } from './trainBriefly.js';
export { type PlantedBug, plantedBugs, checkerBlindSpots } from './blindSpots.js';
export { resignManifest, hostileConfigRefusal } from './hostileManifest.js';
export { type Family, isFamily, presetOrThrow, registriesOf } from './family.js';
export { registry } from '../registry.js';
export { type FusedMlpCase, fusedMlpCases, checkFusedMlp } from './fusedMlpConformance.js';
export { checkFusedOptimizer } from './fusedOptimizerConformance.js';
export {
  type FusedElementMapCase,
  fusedElementMapCases,
  checkFusedElementMaps,
} from './fusedConformance.js';
export {
  COMMON_REFUSED_CONFIGS,
  type PresetTableOptions,
  presetTableProblems,
} from './checkPresetTable.js';
export {
  type FusedFieldTraceCase,
  fusedFieldTraceCases,
  checkFusedFieldTrace,
} from './fusedFieldTraceConformance.js';
