import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import {
  type Batch,
  type BatchLike,
  type BijectiveError,
  type FlowDef,
  type FlowOptions,
  type FlowParams,
  type NoParams,
  type Params,
  type TransformDef,
  cloneParams,
  flow,
} from '@bijective/core';
import { validateBatch, validateContext } from '@bijective/core/transforms';

/**
 * A definition whose parameters can be initialised from data (Glow's
 * data-dependent initialisation, Kingma & Dhariwal 2018). `initFromData`
 * is functional: it returns a **new** parameter tree (every tensor new,
 * owned by the caller) and leaves `params` untouched. `x` is `[batch, dim]`
 * data *at the input of this definition*; it is a raw tensor function
 * (create no garbage; callers need not wrap it in `tf.tidy`).
 */
export type DataInitializable<P extends Params> = {
  initFromData(params: P, x: Batch, context?: Batch): P;
};

/** A parametrized transform with data-dependent initialisation. */
export type InitializableTransformDef<P extends Params = Params> = TransformDef<P> &
  DataInitializable<P>;

/** A flow definition with data-dependent initialisation (every preset of this package is one). */
export type InitializableFlowDef<P extends Params = Params> = FlowDef<P> & DataInitializable<P>;

/**
 * Whether a transform or flow definition carries `initFromData` (a type guard).
 *
 * @example
 * ```ts
 * const p1 = isDataInitializable(def) ? def.initFromData(p0, x) : cloneParams(p0);
 * ```
 */
export const isDataInitializable = <P extends Params, D extends object>(
  def: D,
): def is D & DataInitializable<P> =>
  'initFromData' in def && typeof (def as { initFromData?: unknown }).initFromData === 'function';

/**
 * Core's `flow({...})` whose definition also initialises from data: the
 * transform's `initFromData` runs on the data, the base parameters are copied.
 *
 * @example
 * ```ts
 * const def = initializableFlow({ name: 'glowLike', dim: 2, transform: stack(actNorm(2), affineCoupling({ dim: 2 })) });
 * const p1 = def.initFromData(def.init(0), x);
 * ```
 */
export const initializableFlow = <PT extends Params, PB extends Params = NoParams>(
  options: FlowOptions<PT, PB> & { readonly transform: InitializableTransformDef<PT> },
): InitializableFlowDef<FlowParams<PT, PB>> => {
  const def = flow(options);
  return {
    ...def,
    initFromData: (params, x, context) => ({
      transform: options.transform.initFromData(params.transform, x, context),
      base: cloneParams(params.base),
    }),
  };
};

/**
 * Data-dependent initialisation of a whole flow (Glow, Kingma & Dhariwal,
 * 2018): walks the flow's transform stack in the forward (data → base)
 * direction and sets every ActNorm so that *its* output on `x` — the data
 * transformed by all the layers before it — has zero mean and unit variance
 * per coordinate; other parameters are copied. Apply it once, to a large
 * batch, before training (e.g. pass the result as `fit`'s `params`).
 *
 * Validated: `Left(ShapeError | ValueError)` for a wrong or non-finite batch
 * or context. Returns new parameters owned by the caller; `params` is not
 * modified or disposed. A flow without `initFromData` gets a plain copy.
 *
 * @example
 * ```ts
 * const def = glow({ dim: 2 });
 * const p0 = def.init(0);
 * const p1 = dataDependentInit(def, p0, trainRows.slice(0, 1000)); // Either<BijectiveError, params>
 * if (E.isRight(p1)) await fit(def, trainRows, { params: p1.right });
 * ```
 */
export const dataDependentInit = <P extends Params>(
  def: FlowDef<P>,
  params: P,
  x: BatchLike,
  context?: BatchLike,
): E.Either<BijectiveError, P> =>
  pipe(
    validateBatch('x', x, def.dim),
    E.chain((xt) => {
      const ct = validateContext(context, def.contextDim, xt.shape[0]);
      if (E.isLeft(ct)) {
        if (xt !== x) xt.dispose();
        return ct;
      }
      try {
        return E.right(
          isDataInitializable<P, FlowDef<P>>(def)
            ? def.initFromData(params, xt, ct.right)
            : cloneParams(params),
        );
      } finally {
        if (xt !== x) xt.dispose();
        if (ct.right !== undefined && ct.right !== context) ct.right.dispose();
      }
    }),
  );
