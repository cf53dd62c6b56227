/**
 * `@bijective/core/transforms`: building blocks for writing transforms and
 * flow families — the elementwise bijections, the element maps shared by the
 * coupling and autoregressive layers, declared context widths, and the input
 * checks every public function runs.
 */
export { declaredContextDim, withContextDim } from '../transform.js';
export { elementwise } from '../bijections/elementwise.js';
export {
  affine,
  affineTransform,
  type AffineOptions,
  type AffineParams,
} from '../bijections/affine.js';
export { exp } from '../bijections/exp.js';
export { sigmoid, logit } from '../bijections/sigmoid.js';
export { softplus } from '../bijections/softplus.js';
export { permutation, reversePermutation, randomPermutation } from '../bijections/permutation.js';
export * from '../elementMaps/index.js';
export { type ElementwiseResult, rowLogDet } from '../spline/rationalQuadraticSpline.js';
export {
  contextProblem,
  requireContext,
  validateBatch,
  validateContext,
  validatePositiveInt,
} from '../validate.js';
export { selectColumns, selectEntries } from '../ops/selectColumns.js';
export { mergeColumns } from '../ops/mergeColumns.js';
export { reshapeNoSave } from '../ops/reshapeNoSave.js';
export { bijectionMonoid } from '../algebra.js';
