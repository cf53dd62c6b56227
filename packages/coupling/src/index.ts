/**
 * `@bijective/coupling`: NICE, RealNVP, Glow and NSF coupling presets, and
 * Glow's data-dependent initialisation. Layers are on
 * `@bijective/coupling/layers`, the registry on `@bijective/coupling/testing`.
 */
export {
  type MaskKind,
  type ExplicitMasks,
  type CouplingFlowOptions,
  type NsfCouplingOptions,
  type CouplingFlowDef,
  nice,
  realNVP,
  glow,
  nsfCoupling,
  presets,
} from './presets.js';
export {
  type DataInitializable,
  type InitializableFlowDef,
  dataDependentInit,
} from './dataInit.js';
