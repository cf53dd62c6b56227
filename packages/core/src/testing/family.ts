import * as E from 'fp-ts/lib/Either.js';
import type { FlowDef, JsonObject } from '../flow.js';
import type { Params } from '../params.js';
import type { Presets } from '../presets/preset.js';
import type { Registry } from './registry.js';

/**
 * What a flow-family package declares about itself, from its `./testing`
 * entry (`export const family: Family`): its name, its presets (the same table
 * as its main entry's `presets`) and its registry of transforms and presets for
 * the shared checker and the cross-backend conformance suites. The package's
 * `package.json` carries `"bijective": { "family": "<name>" }`, which is how
 * {@link familyPackages} (from `@bijective/core/node`) finds it.
 *
 * @example
 * ```ts
 * export const family: Family = { name: 'coupling', presets, registry };
 * ```
 */
export interface Family {
  readonly name: string;
  readonly presets: Presets;
  readonly registry: Registry;
}

const isRecord = (x: unknown): x is Readonly<Record<string, unknown>> =>
  typeof x === 'object' && x !== null;

/**
 * Whether a module's `family` export has the {@link Family} shape: a name, a
 * presets table of functions and a registry of entries with `build` (checked
 * at run time: it comes from an import by name).
 */
export const isFamily = (x: unknown): x is Family =>
  isRecord(x) &&
  typeof x['name'] === 'string' &&
  isRecord(x['presets']) &&
  Object.values(x['presets']).every((p) => typeof p === 'function') &&
  isRecord(x['registry']) &&
  Object.values(x['registry']).every((e) => isRecord(e) && typeof e['build'] === 'function');

/** The registries of some families by family name (what `conformanceCases` takes). */
export const registriesOf = (families: readonly Family[]): Record<string, Registry> =>
  Object.fromEntries(families.map((f) => [f.name, f.registry]));

/**
 * Build `presets[name](config)` or throw its error: for tests, where a refused
 * config is a failure. Code outside tests handles the `Left`.
 *
 * @example
 * ```ts
 * const def = presetOrThrow(presets, 'realNVP', { dim: 2, transforms: 2 });
 * ```
 */
export const presetOrThrow = (
  presets: Presets,
  name: string,
  config: JsonObject,
): FlowDef<Params> => {
  const build = Object.prototype.hasOwnProperty.call(presets, name) ? presets[name] : undefined;
  if (build === undefined) throw new Error(`no preset '${name}'`);
  const r = build(config);
  if (E.isLeft(r)) throw r.left;
  return r.right;
};
