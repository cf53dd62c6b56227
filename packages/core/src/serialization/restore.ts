import * as E from 'fp-ts/lib/Either.js';
import { type BijectiveError, serializationError } from '../errors.js';
import type { FlowDef, JsonObject } from '../flow.js';
import type { Params } from '../params.js';
import { decodeFlow } from './decode.js';
import { type LoadLimits, defaultLoadLimits } from './limits.js';
import { type FlowManifest, parseManifest } from './manifest.js';

/** Builds a flow definition from its saved `config`, per preset name. */
export type FlowBuilders = Readonly<Record<string, (config: JsonObject) => FlowDef<Params>>>;

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

const isFlowDef = (b: FlowBuilders | FlowDef<Params>): b is FlowDef<Params> =>
  typeof b.init === 'function' && typeof b.apply === 'function' && typeof b.name === 'string';

const buildDef = (
  builders: FlowBuilders | FlowDef<Params>,
  manifest: FlowManifest,
): E.Either<BijectiveError, FlowDef<Params>> => {
  if (isFlowDef(builders)) return E.right(builders);
  // Own properties only: a saved name such as `constructor` or `__defineGetter__` is not a builder.
  const builder = Object.prototype.hasOwnProperty.call(builders, manifest.name)
    ? builders[manifest.name]
    : undefined;
  if (typeof builder !== 'function')
    return E.left(
      serializationError(
        `no builder for saved flow '${manifest.name}'`,
        'builders',
        Object.keys(builders).join(' | '),
        manifest.name,
      ),
    );
  try {
    const def = builder(manifest.config);
    return isFlowDef(def)
      ? E.right(def)
      : E.left(
          serializationError(
            `builder '${manifest.name}' did not return a flow definition`,
            'builders',
          ),
        );
  } catch (e) {
    return E.left(
      serializationError(
        `saved config of '${manifest.name}' was refused by its builder: ${message(e)}`,
        'config',
      ),
    );
  }
};

/**
 * Rebuild a saved flow from its manifest (any JSON value) and weight bytes,
 * in memory (browsers too): checks the manifest within `limits`, builds the
 * definition with `builders[manifest.name](manifest.config)` — an own
 * property of `builders` — or takes the given definition, and decodes the
 * parameters (`decodeFlow`). Total: every failure, including a builder that
 * throws, is a `Left(SerializationError)`, and nothing stays allocated.
 * `loadFlow` is this plus reading the files.
 *
 * @example
 * ```ts
 * const manifest = await (await fetch('/model/flow.json')).json();
 * const weights = await (await fetch(`/model/${manifest.weightsManifest[0].paths[0]}`)).arrayBuffer();
 * const r = restoreFlow(presets, manifest, weights); // Either<BijectiveError, { def, params, manifest }>
 * ```
 */
export const restoreFlow = (
  builders: FlowBuilders | FlowDef<Params>,
  manifestValue: unknown,
  weightData: ArrayBuffer,
  limits: LoadLimits = defaultLoadLimits,
): E.Either<BijectiveError, { def: FlowDef<Params>; params: Params; manifest: FlowManifest }> => {
  const manifest = parseManifest(manifestValue, limits);
  if (E.isLeft(manifest)) return manifest;
  const def = buildDef(builders, manifest.right);
  if (E.isLeft(def)) return def;
  const params = decodeFlow(def.right, manifest.right, weightData, limits);
  return E.isLeft(params)
    ? params
    : E.right({ def: def.right, params: params.right, manifest: manifest.right });
};
