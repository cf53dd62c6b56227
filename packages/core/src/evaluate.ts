import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { tf } from './tf.js';
import type { Batch, PerRow } from './bijection.js';
import type { BijectiveError } from './errors.js';
import type { FlowDef } from './flow.js';
import type { Params } from './params.js';
import { type BatchLike, validateBatch, validateContext, validatePositiveInt } from './validate.js';

const withInput = <T>(
  def: FlowDef,
  x: BatchLike,
  context: BatchLike | undefined,
  f: (x: Batch, c: Batch | undefined) => T,
): E.Either<BijectiveError, T> =>
  pipe(
    validateBatch('x', x, def.dim),
    E.chain((xt) =>
      pipe(
        validateContext(context, def.contextDim, xt.shape[0]),
        E.map((ct) => {
          try {
            return f(xt, ct);
          } finally {
            if (xt !== x) xt.dispose();
            if (ct !== undefined && ct !== context) ct.dispose();
          }
        }),
      ),
    ),
  );

/**
 * Validated log-density `log p(x | context)` of a flow, `[batch]`.
 * Returns `Left` for a wrong rank, width, batch or context, or non-finite input.
 * The returned tensor belongs to the caller.
 *
 * @example
 * ```ts
 * const lp = logProb(def, params, [[0.1, 0.2]]);
 * if (E.isRight(lp)) console.log(await lp.right.data());
 * ```
 */
export const logProb = <P extends Params>(
  def: FlowDef<P>,
  params: P,
  x: BatchLike,
  context?: BatchLike,
): E.Either<BijectiveError, PerRow> =>
  withInput(def as unknown as FlowDef, x, context, (xt, ct) => tf.tidy(() => def.apply(params).logProb(xt, ct)));

/** Options of {@link sample} and {@link sampleAndLogProb}. */
export interface SampleOptions {
  readonly seed?: number;
  /** `[n, contextDim]`, required for a conditional flow. */
  readonly context?: BatchLike;
}

const withCount = <T>(def: FlowDef, n: number, opts: SampleOptions, f: (c: Batch | undefined) => T) =>
  pipe(
    validatePositiveInt('n', n),
    E.chain(() => validateContext(opts.context, def.contextDim, n)),
    E.map((ct) => {
      try {
        return f(ct);
      } finally {
        if (ct !== undefined && ct !== opts.context) ct.dispose();
      }
    }),
  );

/**
 * Validated sampling: `n` draws `[n, dim]` from the flow (inverse direction).
 *
 * @example
 * ```ts
 * const xs = sample(def, params, 1000, { seed: 1 });
 * ```
 */
export const sample = <P extends Params>(
  def: FlowDef<P>,
  params: P,
  n: number,
  opts: SampleOptions = {},
): E.Either<BijectiveError, Batch> =>
  withCount(def as unknown as FlowDef, n, opts, (ct) => tf.tidy(() => def.apply(params).sample(n, opts.seed ?? 0, ct)));

/**
 * Validated draws with their log-densities in one inverse pass.
 *
 * @example
 * ```ts
 * const r = sampleAndLogProb(def, params, 100, { seed: 3 }); // Right({ x: [100, d], logProb: [100] })
 * ```
 */
export const sampleAndLogProb = <P extends Params>(
  def: FlowDef<P>,
  params: P,
  n: number,
  opts: SampleOptions = {},
): E.Either<BijectiveError, { x: Batch; logProb: PerRow }> =>
  withCount(def as unknown as FlowDef, n, opts, (ct) =>
    tf.tidy(() => def.apply(params).sampleAndLogProb(n, opts.seed ?? 0, ct)),
  );
