import { tf } from './tf.js';
import type { Batch, Bijection, PerRow } from './bijection.js';
import type { Distribution, DistributionDef } from './distribution.js';
import { standardNormal } from './distributions/standardNormal.js';
import { type Params, type Parametrized, splitSeed } from './params.js';
import type { NoParams, TransformDef } from './transform.js';
import { shapeError, valueError } from './errors.js';
import { requireContext } from './validate.js';

/** JSON-serializable options that rebuild a flow definition. */
export type Json =
  null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };
/** The options object of a flow definition. */
export type JsonObject = { readonly [key: string]: Json };

/**
 * A normalizing flow with fixed parameters: a base density and a bijection
 * whose forward direction maps data to base.
 *
 *   `log p(x | c) = log p_base(T(x; c)) + log|det ∂T(x; c)/∂x|`
 *
 * These are raw tensor functions for use inside `tf.tidy` and under
 * autodiff; the validated entry points are in `evaluate.ts`.
 */
export interface Flow {
  readonly dim: number;
  readonly contextDim: number;
  readonly bijection: Bijection;
  readonly base: Distribution;
  /** `[batch, dim]` → `[batch]` log-densities (forward direction). */
  readonly logProb: (x: Batch, context?: Batch) => PerRow;
  /** `n` draws `[n, dim]` (inverse direction); `context`, if any, is `[n, contextDim]`. */
  readonly sample: (n: number, seed: number, context?: Batch) => Batch;
  /** Draws and their log-densities from one inverse pass: `log p(x) = log p_base(z) - log|det ∂x/∂z|`. */
  readonly sampleAndLogProb: (
    n: number,
    seed: number,
    context?: Batch,
  ) => { x: Batch; logProb: PerRow };
}

/** Parameters of a flow: the transform's and the base's. */
export type FlowParams<PT extends Params = Params, PB extends Params = Params> = {
  readonly transform: PT;
  readonly base: PB;
};

/**
 * A flow definition: `init(seed)` draws parameters, `apply(params)` gives a
 * {@link Flow}. `name` and `config` identify how to rebuild it (used by
 * serialization and the registries); `dim` and `contextDim` fix its shapes.
 */
export interface FlowDef<P extends Params = Params> extends Parametrized<P, Flow> {
  readonly name: string;
  readonly dim: number;
  /** 0 for an unconditional flow. */
  readonly contextDim: number;
  readonly config: JsonObject;
}

/** Options of {@link flow}. */
export interface FlowOptions<PT extends Params, PB extends Params> {
  readonly name: string;
  readonly dim: number;
  /**
   * Width of the context (0 for an unconditional flow). Defaults to the
   * transform's declared `contextDim`, else 0; must agree with it when both are given.
   */
  readonly contextDim?: number;
  readonly config?: JsonObject;
  readonly transform: TransformDef<PT>;
  /** Defaults to {@link standardNormal}. */
  readonly base?: DistributionDef<PB>;
}

/**
 * Build a {@link Flow} from a bijection and a base distribution. Its raw
 * functions check the context with core's one context check
 * (`requireContext`: a `ShapeError` for a missing, unexpected or mis-shaped
 * context) before running the bijection.
 */
export const makeFlow = (
  dim: number,
  contextDim: number,
  bijection: Bijection,
  base: Distribution,
): Flow => ({
  dim,
  contextDim,
  bijection,
  base,
  logProb: (x, context) => {
    requireContext(context, contextDim, x.shape[0]);
    const { y, logDet } = bijection.forward(x, context);
    return base.logProbWithLogDet
      ? base.logProbWithLogDet(y, logDet, 1, context)
      : tf.add(base.logProb(y, context), logDet);
  },
  sample: (n, seed, context) => {
    requireContext(context, contextDim, n);
    return bijection.inverse(base.sample(n, seed, context), context).x;
  },
  sampleAndLogProb: (n, seed, context) => {
    requireContext(context, contextDim, n);
    const z = base.sample(n, seed, context);
    const { x, logDet } = bijection.inverse(z, context);
    return {
      x,
      logProb: base.logProbWithLogDet
        ? base.logProbWithLogDet(z, logDet, -1, context)
        : tf.sub(base.logProb(z, context), logDet),
    };
  },
});

/**
 * Assemble a flow definition from a parametrized transform and a base.
 *
 * The flow's `contextDim` is `options.contextDim`, else the transform's
 * declared `contextDim` (see `TransformDef`), else 0. A definition whose
 * `contextDim` disagrees with its transform's is refused when it is built
 * (a thrown `ShapeError`, like every invalid preset option), rather than
 * building and failing at the first `logProb`.
 *
 * @throws `BijectiveError` (ShapeError, argument `options.contextDim`) if it
 *   disagrees with the transform's declared `contextDim`; (ValueError) if it
 *   is not a non-negative integer.
 *
 * @example
 * ```ts
 * const def = flow({ name: 'diag', dim: 2, transform: affineTransform(2), base: standardNormal(2) });
 * const params = def.init(0);
 * const lp = tf.tidy(() => def.apply(params).logProb(tf.zeros([4, 2]))); // [4]
 * ```
 */
export function flow<PT extends Params, PB extends Params = NoParams>(
  options: FlowOptions<PT, PB>,
): FlowDef<FlowParams<PT, PB>> {
  const { name, dim, transform } = options;
  const contextDim = options.contextDim ?? transform.contextDim ?? 0;
  if (!(Number.isInteger(contextDim) && contextDim >= 0))
    throw valueError('options.contextDim', 'a non-negative integer', String(contextDim));
  if (transform.contextDim !== undefined && transform.contextDim !== contextDim)
    throw shapeError(
      'options.contextDim',
      `${transform.contextDim} (the contextDim its transform declares)`,
      String(contextDim),
    );
  const base = (options.base ?? standardNormal(dim)) as DistributionDef<PB>;
  return {
    name,
    dim,
    contextDim,
    config: options.config ?? { dim, contextDim },
    init: (seed) => ({
      transform: transform.init(splitSeed(seed, 0)),
      base: base.init(splitSeed(seed, 1)),
    }),
    apply: (params) =>
      makeFlow(dim, contextDim, transform.apply(params.transform), base.apply(params.base)),
  };
}
