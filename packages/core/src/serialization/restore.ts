import * as E from 'fp-ts/lib/Either.js';
import { type BijectiveError, serializationError } from '../errors.js';
import type { FlowDef, JsonObject } from '../flow.js';
import type { Params } from '../params.js';
import { decodeFlow } from './decode.js';
import { type LoadLimits, defaultLoadLimits } from './limits.js';
import { type FlowManifest, parseManifest } from './manifest.js';

/**
 * Builds a flow definition from its saved `config`, per preset name: a family's
 * `Presets` (each returning an Either) or plain constructors (which may throw).
 */
export type FlowBuilders = Readonly<
  Record<
    string,
    (config: JsonObject) => FlowDef<Params> | E.Either<BijectiveError, FlowDef<Params>>
  >
>;

/** Whether a builder's result is an fp-ts Either rather than a definition. */
export const isEither = (
  r: FlowDef<Params> | E.Either<BijectiveError, FlowDef<Params>>,
): r is E.Either<BijectiveError, FlowDef<Params>> => '_tag' in r;

/**
 * Run `builder(config)` totally: a thrown error or a `Left` is the `Left`, a definition the `Right`.
 */
export const runBuilder = (
  builder: FlowBuilders[string],
  config: JsonObject,
): E.Either<unknown, FlowDef<Params>> => {
  try {
    const r = builder(config);
    return isEither(r) ? r : E.right(r);
  } catch (e) {
    return E.left(e);
  }
};

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
  const def = runBuilder(builder, manifest.config);
  if (E.isLeft(def))
    return E.left(
      serializationError(
        `saved config of '${manifest.name}' was refused by its builder: ${message(def.left)}`,
        'config',
      ),
    );
  return isFlowDef(def.right)
    ? E.right(def.right)
    : E.left(
        serializationError(
          `builder '${manifest.name}' did not return a flow definition`,
          'builders',
        ),
      );
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
