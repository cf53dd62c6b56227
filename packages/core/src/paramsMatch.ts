import * as E from 'fp-ts/lib/Either.js';
import { tf } from './tf.js';
import { type BijectiveError, valueError } from './errors.js';
import { type Params, type Parametrized, disposeParams, flattenParams } from './params.js';

/** `path:shape` of every leaf, in `flattenParams` order: what a params tree must look like. */
const signature = (params: Params): string[] =>
  flattenParams(params).map(
    (l) => `${l.path === '' ? '(root)' : l.path}:[${l.tensor.shape.join(', ')}]`,
  );

const expected = new WeakMap<object, readonly string[]>();

/** The signature of `def.init`'s tree, computed once per definition (its tensors are disposed). */
const expectedSignature = <P extends Params>(def: Parametrized<P, unknown>): readonly string[] => {
  const known = expected.get(def);
  if (known !== undefined) return known;
  const init = def.init(0);
  const s = signature(init);
  disposeParams(init);
  expected.set(def, s);
  return s;
};

/**
 * Check that `params` is a params tree this definition can use: the same
 * leaf paths with the same shapes as `def.init(seed)` gives, every leaf a
 * live (not disposed) tensor. Evaluation and saving check this first, so
 * parameters of another preset or size, or disposed ones, are a
 * `Left(ValueError)` naming the first leaf that differs instead of a
 * TypeError or a shape error from deep inside tfjs.
 *
 * @example
 * ```ts
 * checkParamsMatch(maf({ dim: 2 }), realNVP({ dim: 2 }).init(0));
 * // Left(ValueError: params: expected transform.0.made.layers.0.w:[2, 64], got transform.0.net...)
 * ```
 */
export const checkParamsMatch = <P extends Params>(
  def: Parametrized<P, unknown>,
  params: P,
): E.Either<BijectiveError, P> => {
  let got: string[];
  try {
    got = signature(params);
  } catch (e) {
    return E.left(
      valueError('params', 'a tree of tensors', e instanceof Error ? e.message : String(e)),
    );
  }
  const disposed = flattenParams(params).find((l) => l.tensor.isDisposed);
  if (disposed !== undefined)
    return E.left(valueError('params', 'live tensors', `a disposed tensor at ${disposed.path}`));
  const want = expectedSignature(def);
  const n = Math.max(want.length, got.length);
  for (let i = 0; i < n; i++)
    if (want[i] !== got[i])
      return E.left(
        valueError(
          'params',
          `the parameters of this definition (${want.length} tensors; ${want[i] ?? 'no more'})`,
          `${got.length} tensors; ${got[i] ?? 'no more'}`,
        ),
      );
  return E.right(params);
};

/** Rows of a `[batch]` tensor whose value is NaN or +Infinity (−Infinity, a zero density, is fine). */
export const invalidDensityRows = (logProb: tf.Tensor1D): number[] => {
  const bad = tf.tidy(() =>
    tf.logicalOr(tf.isNaN(logProb), tf.equal(logProb, Number.POSITIVE_INFINITY)),
  );
  const flags = bad.dataSync();
  bad.dispose();
  const rows: number[] = [];
  for (let i = 0; i < flags.length; i++) if (flags[i] !== 0) rows.push(i);
  return rows;
};
