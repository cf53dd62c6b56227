import { tf } from './tf.js';

/**
 * Trainable parameters: a plain tree of float32 tensors (objects and arrays
 * nest freely). Everything fixed (masks, permutations, degrees) lives in the
 * closure of a definition, never in its parameters, so any parameter may be
 * perturbed, averaged or optimised freely.
 *
 * @example
 * ```ts
 * const p: Params = { layers: [{ w: tf.zeros([2, 8]), b: tf.zeros([8]) }], logScale: tf.zeros([2]) };
 * countParams(p); // 26
 * ```
 */
export type Params = tf.Tensor | readonly Params[] | { readonly [key: string]: Params };

/** A leaf of a params tree with its dotted path (`layers.0.w`). */
export interface ParamLeaf {
  readonly path: string;
  readonly tensor: tf.Tensor;
}

const isTensor = (p: unknown): p is tf.Tensor => p instanceof tf.Tensor;

/**
 * The leaves of a params tree in a fixed order (arrays by index, object keys
 * sorted), with their dotted paths. This order is the one used by
 * {@link unflattenParams}, the optimiser and serialization.
 */
export const flattenParams = (params: Params, prefix = ''): ParamLeaf[] => {
  if (isTensor(params)) return [{ path: prefix, tensor: params }];
  const join = (k: string) => (prefix === '' ? k : `${prefix}.${k}`);
  if (Array.isArray(params))
    return (params as readonly Params[]).flatMap((p, i) => flattenParams(p, join(String(i))));
  const obj = params as { readonly [key: string]: Params };
  return Object.keys(obj)
    .sort()
    .flatMap((k) => flattenParams(obj[k]!, join(k)));
};

/** Rebuild a tree shaped like `template` from leaves in {@link flattenParams} order. */
export const unflattenParams = <P extends Params>(template: P, leaves: readonly tf.Tensor[]): P => {
  let i = 0;
  const go = (t: Params): Params => {
    if (isTensor(t)) {
      const leaf = leaves[i++];
      if (leaf === undefined) throw new Error('unflattenParams: too few leaves');
      return leaf;
    }
    if (Array.isArray(t)) return (t as readonly Params[]).map(go);
    const obj = t as { readonly [key: string]: Params };
    const out: { [key: string]: Params } = {};
    for (const k of Object.keys(obj).sort()) out[k] = go(obj[k]!);
    return out;
  };
  const out = go(template);
  if (i !== leaves.length)
    throw new Error(`unflattenParams: ${leaves.length} leaves for ${i} slots`);
  return out as P;
};

/** Apply `f` to every leaf, keeping the tree's shape. */
export const mapParams = <P extends Params>(
  params: P,
  f: (t: tf.Tensor, path: string) => tf.Tensor,
): P =>
  unflattenParams(
    params,
    flattenParams(params).map((l) => f(l.tensor, l.path)),
  );

/** Total number of scalar parameters. */
export const countParams = (params: Params): number =>
  flattenParams(params).reduce((n, l) => n + l.tensor.size, 0);

/** Dispose every tensor of the tree. */
export const disposeParams = (params: Params): void => {
  for (const l of flattenParams(params)) l.tensor.dispose();
};

/** A deep copy whose tensors are new (and `tf.keep`-safe outside tidy). */
export const cloneParams = <P extends Params>(params: P): P =>
  mapParams(params, (t) => tf.clone(t));

/** Whether every leaf is finite. Reads the values back (synchronously). */
export const paramsAreFinite = (params: Params): boolean =>
  flattenParams(params).every((l) => {
    const v = l.tensor.dataSync();
    for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) return false;
    return true;
  });

/**
 * A lazily parametrized object: `init(seed)` draws fresh parameters,
 * `apply(params)` builds the object from them (zuko's `LazyTransform`, the
 * design card's `(params) => Bijection`). `apply` must be cheap and pure: it
 * is called inside every training step, under autodiff.
 */
export interface Parametrized<P extends Params, T> {
  // Method syntax on purpose: parameters are then checked bivariantly, so a
  // `TransformDef<{ raw: Tensor }>` is usable wherever a `TransformDef<Params>` is.
  init(seed: number): P;
  apply(params: P): T;
}

/** Seeds for sub-parts derived deterministically from one seed. */
export const splitSeed = (seed: number, index: number): number =>
  // Knuth multiplicative hash mixed with the index; stays a safe 31-bit integer.
  (Math.imul(seed ^ 0x5bd1e995, 2654435761) + Math.imul(index + 1, 0x9e3779b1)) >>> 1;
