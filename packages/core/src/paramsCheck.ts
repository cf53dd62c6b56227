import * as E from 'fp-ts/lib/Either.js';
import { tf } from './tf.js';
import { type BijectiveError, computationError, shapeError } from './errors.js';
import { type ParamLeaf, type Params, type Parametrized, flattenParams } from './params.js';

/** The name (dotted path) and shape of one parameter tensor. */
export interface ParamSpec {
  readonly path: string;
  readonly shape: readonly number[];
}

const specCache = new WeakMap<object, readonly ParamSpec[]>();

const describe = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/**
 * Draw a definition's parameters once (`def.init(0)`, inside `tf.tidy`, so
 * nothing is left allocated even if `init` throws) and return the leaves'
 * paths and shapes in `flattenParams` order. Cached per definition object.
 *
 * @example
 * ```ts
 * const specs = paramSpecs(def); // Right([{ path: 'base.logScale', shape: [2] }, …])
 * ```
 */
export const paramSpecs = (
  def: Parametrized<Params, unknown>,
): E.Either<BijectiveError, readonly ParamSpec[]> => {
  const cached = specCache.get(def);
  if (cached !== undefined) return E.right(cached);
  try {
    let specs: readonly ParamSpec[] = [];
    tf.tidy(() => {
      specs = flattenParams(def.init(0)).map((l) => ({ path: l.path, shape: [...l.tensor.shape] }));
    });
    specCache.set(def, specs);
    return E.right(specs);
  } catch (e) {
    return E.left(computationError('could not draw the definition’s parameters (init)', e));
  }
};

/**
 * Check that `params` is a tree of live float32 tensors with exactly the
 * leaves of `def.init`: the same dotted paths in `flattenParams` order and
 * the same shapes. `Left(ShapeError)` names the first mismatch. Values are
 * not read (finiteness is a separate, data-reading check: `paramsAreFinite`).
 *
 * @example
 * ```ts
 * checkParamsMatch(realNVP({ dim: 2 }), glow({ dim: 2 }).init(0)); // Left(ShapeError: params …)
 * ```
 */
export const checkParamsMatch = (
  def: Parametrized<Params, unknown>,
  params: Params,
): E.Either<BijectiveError, void> => {
  const want = paramSpecs(def);
  if (E.isLeft(want)) return want;
  let leaves: readonly ParamLeaf[];
  try {
    // At run time `params` may be anything a caller passed: null throws here, a number gives no leaves.
    leaves = flattenParams(params);
  } catch (e) {
    return E.left(
      shapeError(
        'params',
        'a tree of tensors',
        `a value that cannot be walked (${e instanceof Error ? e.message : String(e)})`,
      ),
    );
  }
  const specs = want.right;
  if (leaves.length !== specs.length)
    return E.left(
      shapeError(
        'params',
        `${specs.length} tensors (as def.init gives)`,
        `${leaves.length} tensors`,
      ),
    );
  for (let i = 0; i < specs.length; i++) {
    const s = specs[i]!;
    const l = leaves[i]!;
    if (l.path !== s.path)
      return E.left(shapeError('params', `tensor ${i} at '${s.path}'`, `'${l.path}'`));
    const t: unknown = l.tensor;
    if (!(t instanceof tf.Tensor))
      return E.left(shapeError(`params.${s.path}`, 'a tensor', typeof t));
    if (t.isDisposed)
      return E.left(shapeError(`params.${s.path}`, 'a live tensor', 'a disposed tensor'));
    if (t.dtype !== 'float32')
      return E.left(shapeError(`params.${s.path}`, 'dtype float32', `dtype ${t.dtype}`));
    if (
      t.shape.length !== s.shape.length ||
      t.shape.some((d: number, j: number) => d !== s.shape[j])
    )
      return E.left(shapeError(`params.${s.path}`, describe(s.shape), describe(t.shape)));
  }
  return E.right(undefined);
};
