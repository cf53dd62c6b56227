/**
 * `@bijective/coupling/layers`: the building blocks of the presets — masks,
 * the coupling transform over any core element map and its additive, affine
 * and spline variants, ActNorm, LU-linear maps, diagonal scaling and stacks.
 */
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
  type InitializableTransformDef,
  isDataInitializable,
  initializableFlow,
} from './dataInit.js';
export { stack } from './stack.js';
export { decodeCouplingFlowOptions, decodeNsfCouplingOptions } from './presetOptions.js';
