export { type CouplingMask, couplingMask, alternatingMask, halfMask, randomMask } from './mask.js';
export {
  type CouplingOptions,
  type CouplingParams,
  type ConditionalElementwise,
  coupling,
  thetaComponent,
} from './coupling.js';
export { additiveCoupling } from './additiveCoupling.js';
export { affineCoupling } from './affineCoupling.js';
export { type SplineCouplingOptions, splineCoupling } from './splineCoupling.js';
export { type DiagonalScalingParams, diagonalScaling } from './diagonalScaling.js';
export { type ActNormParams, ACT_NORM_EPSILON, actNorm, actNormInit } from './actNorm.js';
export { lowerTriangularInverse } from './triangular.js';
export { type LuLinearParams, type LuLinearOptions, luLinear } from './luLinear.js';
export {
  type DataInitializable,
  type InitializableTransformDef,
  type InitializableFlowDef,
  isDataInitializable,
  initializableFlow,
  dataDependentInit,
} from './dataInit.js';
export { stack } from './stack.js';
export { type ActivationName, activationNames, activation } from '@bijective/core';
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
} from './presets.js';
export { type PresetBuilders, registry, presets } from './registry.js';
