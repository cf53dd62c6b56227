import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { tf } from './tf.js';
import type { Batch, PerRow } from './bijection.js';
import { BijectiveError, computationError, valueError } from './errors.js';
import type { FlowDef } from './flow.js';
import type { Params } from './params.js';
import { invalidDensityRows } from './densityCheck.js';
import { checkParamsMatch } from './paramsCheck.js';
import { type BatchLike, validateBatch, validateContext, validatePositiveInt } from './validate.js';

/**
 * The most values one call may draw (`n × dim`): 2²⁷ float32s, 512 MiB. Beyond
 * it `sample` returns a `Left` instead of asking tfjs for an array it cannot
 * allocate; draw in chunks instead.
 */
export const MAX_SAMPLE_VALUES = 2 ** 27;

/**
 * Run a tfjs computation, turning a throw into a `Left`: a library error
 * (e.g. an ODE solver's `DivergedError`, a layer's context `ShapeError`) as
 * itself, anything else (tfjs) as a `ComputationError`.
 */
const attempt = <T>(what: string, f: () => T): E.Either<BijectiveError, T> => {
  try {
    return E.right(f());
  } catch (e) {
    return E.left(e instanceof BijectiveError ? e : computationError(what, e));
  }
};

/** Refuse log-densities that are NaN or +Infinity (float32 overflow, a broken model), disposing them. */
const finiteDensities = (what: string, lp: PerRow): E.Either<BijectiveError, PerRow> => {
  const rows = invalidDensityRows(lp);
  if (rows.length === 0) return E.right(lp);
  lp.dispose();
  return E.left(
    valueError(
      what,
      'finite log-densities (inputs and parameters within what float32 arithmetic can evaluate)',
      `NaN or +Infinity in ${rows.length} row(s), first row ${rows[0]}`,
    ),
  );
};

const withInput = <P extends Params, T>(
  def: FlowDef<P>,
  params: P,
  x: BatchLike,
  context: BatchLike | undefined,
  f: (x: Batch, c: Batch | undefined) => E.Either<BijectiveError, T>,
): E.Either<BijectiveError, T> =>
  pipe(
    checkParamsMatch(def, params),
    E.chain(() => validateBatch('x', x, def.dim)),
    E.chain((xt) =>
      pipe(
        validateContext(context, def.contextDim, xt.shape[0]),
        E.chain((ct) => {
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
 * Returns `Left` for a wrong rank, width, batch or context, non-finite
 * input, parameters that are not this definition's ({@link checkParamsMatch}),
 * a computation that throws, and log-densities that come out NaN or
 * +Infinity (e.g. inputs near the float32 limit, 3e38, overflow inside the
 * flow); −Infinity (zero density) is a valid answer. The returned tensor
 * belongs to the caller.
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
  withInput(def, params, x, context, (xt, ct) =>
    pipe(
      attempt('logProb', () => tf.tidy(() => def.apply(params).logProb(xt, ct))),
      E.chain((lp) => finiteDensities('logProb', lp)),
    ),
  );

/** Options of {@link sample} and {@link sampleAndLogProb}. */
export interface SampleOptions {
  readonly seed?: number;
  /** `[n, contextDim]`, required for a conditional flow. */
  readonly context?: BatchLike;
}

const withCount = <P extends Params, T>(
  def: FlowDef<P>,
  params: P,
  n: number,
  opts: SampleOptions,
  f: (c: Batch | undefined) => E.Either<BijectiveError, T>,
): E.Either<BijectiveError, T> =>
  pipe(
    checkParamsMatch(def, params),
    E.chain(() => validatePositiveInt('n', n)),
    E.chain(() =>
      n * def.dim <= MAX_SAMPLE_VALUES
        ? E.right(n)
        : E.left(
            valueError(
              'n',
              `at most ${Math.floor(MAX_SAMPLE_VALUES / def.dim)} draws of dim ${def.dim} per call`,
              String(n),
            ),
          ),
    ),
    E.chain(() => validateContext(opts.context, def.contextDim, n)),
    E.chain((ct) => {
      try {
        return f(ct);
      } finally {
        if (ct !== undefined && ct !== opts.context) ct.dispose();
      }
    }),
  );

/**
 * Validated sampling: `n` draws `[n, dim]` from the flow (inverse direction).
 * `Left` for a count that is not a positive integer or exceeds
 * {@link MAX_SAMPLE_VALUES} values, parameters that are not this
 * definition's, a missing or wrong context, and a computation that throws.
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
  withCount(def, params, n, opts, (ct) =>
    attempt('sample', () => tf.tidy(() => def.apply(params).sample(n, opts.seed ?? 0, ct))),
  );

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
  withCount(def, params, n, opts, (ct) =>
    attempt('sampleAndLogProb', () =>
      tf.tidy(() => def.apply(params).sampleAndLogProb(n, opts.seed ?? 0, ct)),
    ),
  );
