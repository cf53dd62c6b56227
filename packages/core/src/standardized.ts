import * as E from 'fp-ts/lib/Either.js';
import { compose } from './algebra.js';
import { affine } from './bijections/affine.js';
import { type BijectiveError, valueError } from './errors.js';
import { type FlowDef, type JsonObject, makeFlow } from './flow.js';
import type { Params } from './params.js';
import { type FlowBuilders, runBuilder } from './serialization/restore.js';

/** The name a standardized flow is saved under (`manifest.name`). */
export const STANDARDIZED = 'standardized';

/** Per-column statistics of the fixed map `z = (x − mean) / std`. */
export interface Standardization {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/**
 * The config of a standardized flow, as saved: the inner flow's `name` and
 * `config` (which its builder rebuilds it from) and the statistics.
 */
export interface StandardizedConfig {
  readonly flow: string;
  readonly config: JsonObject;
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

const checkStats = (dim: number, s: Standardization): BijectiveError | undefined => {
  for (const key of ['mean', 'std'] as const) {
    const v: unknown = s[key];
    if (!Array.isArray(v) || v.length !== dim)
      return valueError(
        `stats.${key}`,
        `${dim} numbers (one per dimension)`,
        Array.isArray(v) ? `${v.length}` : typeof v,
      );
    const list: readonly unknown[] = v;
    const bad = list.findIndex(
      (x) => typeof x !== 'number' || !Number.isFinite(x) || (key === 'std' && !(x > 0)),
    );
    if (bad >= 0)
      return valueError(
        `stats.${key}[${bad}]`,
        key === 'std' ? 'a positive finite number' : 'a finite number',
        String(list[bad]),
      );
  }
  return undefined;
};

/**
 * A flow on raw data that standardizes first: the forward (data → base)
 * transform is the fixed affine map `z = (x − mean) / std` followed by the
 * given flow's transform, with the given flow's base. So
 *
 *   `log p(x) = log p_inner((x − mean) / std) − Σⱼ log stdⱼ`
 *
 * is a density in the data's own units, and `sample` returns raw-unit rows
 * (the inner flow's samples mapped back by `x = z·std + mean`). The map has
 * no parameters: the definition's parameters are exactly the inner flow's,
 * and fitting it on raw rows trains the inner flow on standardized rows.
 * Its `config` ({@link StandardizedConfig}) records the inner flow's name and
 * config and the statistics, so `saveFlow` stores them and `loadFlow` with
 * {@link withStandardized}`(builders)` rebuilds it. Compute the statistics
 * from the training rows (`standardizeStats` in `@bijective/core/data`).
 *
 * `Left(ValueError)` when `mean`/`std` do not have one finite value per
 * dimension or a std is not positive.
 *
 * @example
 * ```ts
 * const stats = standardizeStats(train);                       // Right({ mean, std, ... })
 * const def = standardized(maf({ dim: 30 }), stats.right);     // Right(FlowDef)
 * const r = await fit(def.right, train, { validation: val });  // logProb in data units
 * ```
 */
export const standardized = <P extends Params>(
  def: FlowDef<P>,
  stats: Standardization,
): E.Either<BijectiveError, FlowDef<P>> => {
  const bad = checkStats(def.dim, stats);
  if (bad !== undefined) return E.left(bad);
  const mean = [...stats.mean];
  const std = [...stats.std];
  const map = affine({ shift: mean, scale: std });
  if (E.isLeft(map)) return map;
  const config: StandardizedConfig = { flow: def.name, config: def.config, mean, std };
  return E.right({
    name: STANDARDIZED,
    dim: def.dim,
    contextDim: def.contextDim,
    config: { ...config },
    init: def.init,
    apply: (params) => {
      const inner = def.apply(params);
      return makeFlow(def.dim, def.contextDim, compose(map.right, inner.bijection), inner.base);
    },
  });
};

/** A JSON list as numbers; anything else becomes NaN (or no list), which `standardized` refuses. */
const numbers = (v: unknown): number[] =>
  Array.isArray(v) ? v.map((x: unknown) => (typeof x === 'number' ? x : Number.NaN)) : [];

const isRecord = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Builders that also rebuild standardized flows: `builders` plus a
 * `standardized` entry that reads a {@link StandardizedConfig}, rebuilds the
 * inner flow with `builders[config.flow]` (an own property; nesting a
 * standardized flow in another is refused) and checks the statistics
 * against its dimension. Everything a hostile file could put there is
 * validated; the loader's size limits apply to the config as to any other.
 *
 * @example
 * ```ts
 * const r = await loadFlow('./model', withStandardized({ ...couplingPresets, ...arPresets }))();
 * ```
 */
export const withStandardized = (builders: FlowBuilders): FlowBuilders => ({
  ...builders,
  [STANDARDIZED]: (c: JsonObject): FlowDef<Params> => {
    const name = c['flow'];
    const inner = c['config'];
    if (
      typeof name !== 'string' ||
      name === STANDARDIZED ||
      !Object.prototype.hasOwnProperty.call(builders, name)
    )
      throw valueError(
        'config.flow',
        `the name of a known flow (${Object.keys(builders).join(' | ')})`,
        String(name),
      );
    if (!isRecord(inner))
      throw valueError('config.config', 'the inner flow config (an object)', String(inner));
    const def = runBuilder(builders[name]!, inner);
    if (E.isLeft(def)) throw def.left;
    const r = standardized(def.right, { mean: numbers(c['mean']), std: numbers(c['std']) });
    if (E.isLeft(r)) throw r.left;
    return r.right;
  },
});
