export {
  checkBijection,
  checkBijectionOnce,
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
export { resignManifest, hostileConfigRefusal } from './hostileManifest.js';
