import type { Bijection } from './bijection.js';
import { compose } from './algebra.js';
import { shapeError, valueError } from './errors.js';
import { type Params, type Parametrized, splitSeed } from './params.js';

/**
 * A parametrized bijection: `init(seed)` draws parameters, `apply(params)`
 * builds the {@link Bijection}. The unit every flow family is made of.
 *
 * `contextDim` is the width of the context the bijection reads (`0` for an
 * unconditional one); `undefined` means the transform does not say, as for a
 * context-free layer ({@link fixed}, a permutation) that works under any
 * context. {@link chain} derives it from its parts and `flow()` refuses a
 * flow whose `contextDim` disagrees with its transform's.
 */
export type TransformDef<P extends Params = Params> = Parametrized<P, Bijection> & {
  readonly contextDim?: number;
};

/**
 * The one context width a list of transforms declares: `undefined` if none
 * declares one, else the declared width.
 *
 * @throws `BijectiveError` (ShapeError, argument `what`) if two of them declare different widths.
 * @example
 * ```ts
 * declaredContextDim('chain', [fixed(b), withContextDim(t, 3)]); // 3
 * ```
 */
export const declaredContextDim = (
  what: string,
  parts: readonly { readonly contextDim?: number }[],
): number | undefined => {
  const dims = [
    ...new Set(parts.flatMap((p) => (p.contextDim === undefined ? [] : [p.contextDim]))),
  ];
  if (dims.length > 1)
    throw shapeError(
      what,
      'parts that agree on one contextDim',
      `parts declaring contextDim ${dims.join(' and ')}`,
    );
  return dims[0];
};

/**
 * Declare the context width a transform reads (`0` for unconditional): the
 * same transform with `contextDim` set, so that {@link chain} and `flow()`
 * can check it. For constructors that know their context width but do not
 * declare it themselves.
 *
 * @throws `BijectiveError` (ValueError) for a `contextDim` that is not a
 *   non-negative integer, (ShapeError) if `t` already declares another one.
 * @example
 * ```ts
 * const t = withContextDim(affineCoupling({ dim: 2, contextDim: 3 }), 3);
 * ```
 */
export const withContextDim = <P extends Params>(
  t: TransformDef<P>,
  contextDim: number,
): TransformDef<P> => {
  if (!(Number.isInteger(contextDim) && contextDim >= 0))
    throw valueError('contextDim', 'a non-negative integer', String(contextDim));
  declaredContextDim('contextDim', [t, { contextDim }]);
  return { ...t, contextDim };
};

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
 * The chain's `contextDim` is the one its parts declare (see {@link declaredContextDim}).
 *
 * @throws `BijectiveError` (ShapeError, argument `chain`) for parts that declare different `contextDim`s.
 *
 * @example
 * ```ts
 * const t = chain(actNorm(2), luLinear(2), affineCoupling({ dim: 2 }));
 * const b = t.apply(t.init(0));
 * ```
 */
export const chain = (...parts: readonly TransformDef<Params>[]): TransformDef<Params[]> => {
  const contextDim = declaredContextDim('chain', parts);
  return {
    init: (seed) => parts.map((p, i) => p.init(splitSeed(seed, i))),
    apply: (params) => compose(...parts.map((p, i) => p.apply(params[i]!))),
    ...(contextDim === undefined ? {} : { contextDim }),
  };
};
