import * as E from 'fp-ts/lib/Either.js';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { pipe } from 'fp-ts/lib/function.js';
import { BijectiveError } from '../errors.js';
import type { FlowDef, JsonObject } from '../flow.js';
import type { Params } from '../params.js';
import { type FlowManifest, decodeFlow, encodeFlow, parseManifest } from './encode.js';

const MANIFEST = 'flow.json';
const WEIGHTS = 'weights.bin';

const ioError = (what: string) => (e: unknown) =>
  new BijectiveError('SerializationError', `${what}: ${e instanceof Error ? e.message : String(e)}`, 'path');

/**
 * Save a flow to the folder `dir` as `flow.json` (manifest with name, config,
 * weight names and shapes, byte length and checksum) and `weights.bin`
 * (float32, tfjs weights layout). Each file is written to a temporary name
 * and renamed into place, weights first, so a crash never leaves a manifest
 * pointing at a half-written weight file. Node only: import it from
 * `@bijective/core/node` (browsers use `encodeFlow` / `decodeFlow`).
 *
 * @example
 * ```ts
 * await saveFlow('./model', def, params)();
 * ```
 */
export const saveFlow = <P extends Params>(dir: string, def: FlowDef<P>, params: P): TE.TaskEither<BijectiveError, void> =>
  TE.tryCatch(async () => {
    const { manifest, weightData } = encodeFlow(def, params, WEIGHTS);
    await mkdir(dir, { recursive: true });
    const tag = `.tmp-${process.pid}-${Date.now()}`;
    const write = async (name: string, data: string | Uint8Array) => {
      const target = join(dir, name);
      await writeFile(target + tag, data);
      await rename(target + tag, target);
    };
    await write(WEIGHTS, new Uint8Array(weightData));
    await write(MANIFEST, JSON.stringify(manifest, null, 2));
  }, ioError(`could not save flow to '${dir}'`));

/** Builds a flow definition from its saved `config`, per preset name. */
export type FlowBuilders = Readonly<Record<string, (config: JsonObject) => FlowDef<Params>>>;

/**
 * Load a flow saved by {@link saveFlow}: reads the manifest, rebuilds the
 * definition with `builders[manifest.name](manifest.config)` (or checks it
 * against a given definition), and decodes the parameters with full
 * validation. Any corrupted, truncated or mismatched file gives
 * `Left(SerializationError)` saying what is wrong. Node only.
 *
 * @example
 * ```ts
 * const r = await loadFlow('./model', { realNVP: (c) => realNVP(c as RealNVPOptions) })();
 * ```
 */
export const loadFlow = (
  dir: string,
  builders: FlowBuilders | FlowDef<Params>,
): TE.TaskEither<BijectiveError, { def: FlowDef<Params>; params: Params; manifest: FlowManifest }> =>
  pipe(
    TE.tryCatch(async () => {
      const [text, weights] = await Promise.all([readFile(join(dir, MANIFEST), 'utf8'), readFile(join(dir, WEIGHTS))]);
      return { text, weights: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer };
    }, ioError(`could not read flow from '${dir}'`)),
    TE.chainEitherK(({ text, weights }) =>
      pipe(
        E.tryCatch(() => JSON.parse(text) as unknown, ioError(`'${MANIFEST}' is not valid JSON`)),
        E.chain(parseManifest),
        E.chain((manifest) => {
          const def =
            'init' in builders && typeof builders.init === 'function'
              ? (builders as FlowDef<Params>)
              : (builders as FlowBuilders)[manifest.name]?.(manifest.config);
          if (def === undefined)
            return E.left(new BijectiveError('SerializationError', `no builder for saved flow '${manifest.name}'`, 'builders', manifest.name));
          return pipe(
            decodeFlow(def, manifest, weights),
            E.map((params) => ({ def, params, manifest })),
          );
        }),
      ),
    ),
  );
