import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import { type BijectiveError, serializationError } from '../errors.js';
import type { FlowDef, JsonObject } from '../flow.js';
import type { Params } from '../params.js';
import { decodeFlow } from './decode.js';
import { MANIFEST } from './folder.js';
import { type LoadLimits, defaultLoadLimits } from './limits.js';
import { type FlowManifest, parseManifest } from './manifest.js';

/** Builds a flow definition from its saved `config`, per preset name. */
export type FlowBuilders = Readonly<Record<string, (config: JsonObject) => FlowDef<Params>>>;

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
const code = (e: unknown) => (e instanceof Error && 'code' in e ? e.code : undefined);

const isFlowDef = (b: FlowBuilders | FlowDef<Params>): b is FlowDef<Params> =>
  typeof b.init === 'function' && typeof b.apply === 'function' && typeof b.name === 'string';

/** Read at most `max` bytes of a file whose size must be exactly `expected` (when given). */
const readBounded = async (
  path: string,
  max: number,
  expected?: number,
): Promise<E.Either<BijectiveError, Buffer>> => {
  const size = (await stat(path)).size;
  if (expected !== undefined && size !== expected)
    return E.left(
      serializationError(
        `weight file is truncated or padded`,
        'file',
        `${expected} bytes`,
        `${size} bytes`,
      ),
    );
  if (size > max)
    return E.left(
      serializationError(
        `'${path}' is larger than the load limit`,
        'file',
        `at most ${max} bytes`,
        `${size} bytes`,
      ),
    );
  const fh = await open(path, 'r');
  try {
    return E.right(await fh.readFile());
  } finally {
    await fh.close();
  }
};

type Read = { manifest: FlowManifest; weights: ArrayBuffer };

const readFolder = async (
  dir: string,
  limits: LoadLimits,
): Promise<E.Either<BijectiveError, Read>> => {
  // A concurrent save may replace the model between reading flow.json and its weight file, and
  // delete that (superseded) weight file: then flow.json names a newer one, so read again.
  for (let attempt = 0; ; attempt++) {
    const text = await readBounded(join(dir, MANIFEST), limits.maxManifestBytes);
    if (E.isLeft(text)) return text;
    let json: unknown;
    try {
      json = JSON.parse(text.right.toString('utf8'));
    } catch (e) {
      return E.left(serializationError(`'${MANIFEST}' is not valid JSON: ${message(e)}`, 'file'));
    }
    const manifest = parseManifest(json, limits);
    if (E.isLeft(manifest)) return manifest;
    try {
      const m = manifest.right;
      const bytes = await readBounded(
        join(dir, m.weightsManifest[0].paths[0]),
        4 * limits.maxParams,
        m.byteLength,
      );
      if (E.isLeft(bytes)) return bytes;
      const weights = new Uint8Array(bytes.right.byteLength);
      weights.set(bytes.right);
      return E.right({ manifest: m, weights: weights.buffer });
    } catch (e) {
      if (code(e) !== 'ENOENT' || attempt >= 4) throw e;
    }
  }
};

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
 * Load a flow saved by `saveFlow` (either layout): reads the manifest,
 * rebuilds the definition with `builders[manifest.name](manifest.config)`
 * (an own property of `builders`; or checks against a given definition), and
 * decodes the parameters with full validation (`decodeFlow`). Total: every
 * failure — a missing, corrupted, truncated, edited or hostile file, a
 * config its builder refuses, a file beyond `limits` — is a
 * `Left(SerializationError)` saying what is wrong; it never rejects, and
 * nothing stays allocated. Files left by interrupted saves are ignored.
 * Node only.
 *
 * @example
 * ```ts
 * const r = await loadFlow('./model', { realNVP: (c) => realNVP(c as RealNVPOptions) })();
 * ```
 */
export const loadFlow =
  (
    dir: string,
    builders: FlowBuilders | FlowDef<Params>,
    limits: LoadLimits = defaultLoadLimits,
  ): TE.TaskEither<
    BijectiveError,
    { def: FlowDef<Params>; params: Params; manifest: FlowManifest }
  > =>
  async () => {
    try {
      const read = await readFolder(dir, limits);
      if (E.isLeft(read)) return read;
      const { manifest, weights } = read.right;
      const def = buildDef(builders, manifest);
      if (E.isLeft(def)) return def;
      const params = decodeFlow(def.right, manifest, weights, limits);
      return E.isLeft(params)
        ? params
        : E.right({ def: def.right, params: params.right, manifest });
    } catch (e) {
      return E.left(serializationError(`could not read flow from '${dir}': ${message(e)}`, 'path'));
    }
  };
