/**
 * `@bijective/core/params`: working with parameter trees and seeds — flattening,
 * mapping, spec checks, and the seeded random helpers the presets use.
 */
export {
  flattenParams,
  unflattenParams,
  mapParams,
  paramsAreFinite,
  splitSeed,
} from '../params.js';
export { type ParamSpec, checkParamsMatch, paramSpecs } from '../paramsCheck.js';
export { mulberry32, randomPermutationIndices, tfSeed } from '../random.js';
