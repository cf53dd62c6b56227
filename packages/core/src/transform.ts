import type { Bijection } from './bijection.js';
import { compose } from './algebra.js';
import { type Params, type Parametrized, splitSeed } from './params.js';

/**
 * A parametrized bijection: `init(seed)` draws parameters, `apply(params)`
 * builds the {@link Bijection}. The unit every flow family is made of.
 */
export type TransformDef<P extends Params = Params> = Parametrized<P, Bijection>;

/** The parameters of a parameter-free transform. */
export type NoParams = readonly [];

/**
 * Lift a parameter-free bijection (a permutation, `exp`, a fixed affine map)
 * into a {@link TransformDef} with no parameters.
 *
 * @example
 * ```ts
 * const t = chain(fixed(reversePermutation(2)), affineCoupling({ dim: 2 }));
 * ```
 */
export const fixed = (b: Bijection): TransformDef<NoParams> => ({
  init: () => [],
  apply: () => b,
});

/**
 * Compose parametrized transforms in the forward (data → base) direction:
 * parameters are the array of the parts' parameters, initialised with seeds
 * derived from one seed; `apply` composes the parts' bijections, so log-dets add.
 *
 * @example
 * ```ts
 * const t = chain(actNorm(2), luLinear(2), affineCoupling({ dim: 2 }));
 * const b = t.apply(t.init(0));
 * ```
 */
export const chain = (...parts: readonly TransformDef<Params>[]): TransformDef<Params[]> => ({
  init: (seed) => parts.map((p, i) => p.init(splitSeed(seed, i))),
  apply: (params) => compose(...parts.map((p, i) => p.apply(params[i]!))),
});
