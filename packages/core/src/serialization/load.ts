import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import { type BijectiveError, serializationError } from '../errors.js';
import type { FlowDef } from '../flow.js';
import type { Params } from '../params.js';
import { MANIFEST } from './folder.js';
import { type LoadLimits, defaultLoadLimits } from './limits.js';
import { type FlowManifest, parseManifest } from './manifest.js';
import { type FlowBuilders, restoreFlow } from './restore.js';

export type { FlowBuilders };

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
const code = (e: unknown) => (e instanceof Error && 'code' in e ? e.code : undefined);

/**
 * Read a regular file of at most `max` bytes, and of exactly `expected`
 * bytes when given. Opened non-blocking, so that a FIFO planted in the
 * folder cannot hang the open; size and kind come from the open file
 * itself, so a concurrent rename cannot swap it between check and read.
 */
const readBounded = async (
  path: string,
  max: number,
  expected?: number,
): Promise<E.Either<BijectiveError, Buffer>> => {
  const fh = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const stats = await fh.stat();
    if (!stats.isFile())
      return E.left(serializationError(`'${path}' is not a regular file`, 'file'));
    if (expected !== undefined && stats.size !== expected)
      return E.left(
        serializationError(
          'weight file is truncated or padded',
          'file',
          `${expected} bytes`,
          `${stats.size} bytes`,
        ),
      );
    if (stats.size > max)
      return E.left(
        serializationError(
          `'${path}' is larger than the load limit`,
          'file',
          `at most ${max} bytes`,
          `${stats.size} bytes`,
        ),
      );
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

/**
 * Load a flow saved by `saveFlow` (either layout): reads the manifest,
 * rebuilds the definition and decodes the parameters with full validation
 * (`restoreFlow`: `builders[manifest.name](manifest.config)`, an own property
 * of `builders`, or a given definition). Total: every
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
      return restoreFlow(builders, read.right.manifest, read.right.weights, limits);
    } catch (e) {
      return E.left(serializationError(`could not read flow from '${dir}': ${message(e)}`, 'path'));
    }
  };
