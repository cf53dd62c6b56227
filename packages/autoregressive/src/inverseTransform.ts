import { type Params, type TransformDef, invert } from '@bijective/core';

/**
 * Swap the directions of a parametrized transform: same parameters, and
 * `apply(p) = invert(def.apply(p))`, so `forward` becomes the old `inverse`
 * and log-dets follow (`log|det ∂x/∂y| = -log|det ∂y/∂x|`). Turning a MAF
 * layer (fast density, sequential sampling) into an IAF layer (fast
 * sampling, sequential density) is exactly this (Kingma et al., 2016).
 *
 * @example
 * ```ts
 * const iafLayer = inverseTransform(affineAutoregressive({ dim: 4 }));
 * const b = iafLayer.apply(iafLayer.init(0)); // b.inverse: one pass; b.forward: 4 passes
 * ```
 */
export const inverseTransform = <P extends Params>(def: TransformDef<P>): TransformDef<P> => ({
  init: (seed) => def.init(seed),
  apply: (params) => invert(def.apply(params)),
});
