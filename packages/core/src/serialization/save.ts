import { mkdir, rename, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import { type BijectiveError, serializationError, valueError } from '../errors.js';
import type { FlowDef } from '../flow.js';
import type { Params } from '../params.js';
import { checkParamsMatch } from '../paramsCheck.js';
import { encodeFlow } from './encode.js';
import {
  MANIFEST,
  freshManifestTemp,
  freshWeightsName,
  inProgress,
  sweepFolder,
  syncFolder,
  writeDurably,
} from './folder.js';

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Save a flow to the folder `dir`: `flow.json` (manifest with name, config,
 * weight names and shapes, byte length, and a checksum over all of it and
 * the weights) and a weight file of float32 values (tfjs weights layout)
 * with a fresh unique name. Node only: import it from `@bijective/core/node`
 * (browsers use `encodeFlow` / `decodeFlow`).
 *
 * The model is replaced as one unit: the weight file and a temporary
 * manifest are written and fsynced, then one `rename` puts the manifest in
 * place (see `folder.ts`). A process killed at any instant leaves the old or
 * the new model, both loadable; concurrent saves to one folder (from one or
 * several processes) end with one of them complete. A failed save deletes its
 * own files; files left by crashed or superseded saves are deleted by the
 * next save and ignored by `loadFlow`.
 *
 * Refuses, with a `Left` and without touching the folder, what `loadFlow`
 * would refuse: parameters that do not have the leaves of `def.init`
 * (`ShapeError`) or that are not finite (`ValueError`).
 *
 * @example
 * ```ts
 * await saveFlow('./model', def, params)(); // Right(undefined)
 * ```
 */
export const saveFlow =
  <P extends Params>(
    dir: string,
    def: FlowDef<P>,
    params: P,
  ): TE.TaskEither<BijectiveError, void> =>
  async () => {
    const match = checkParamsMatch(def, params);
    if (E.isLeft(match)) return match;
    const weightsName = freshWeightsName();
    let encoded: ReturnType<typeof encodeFlow<P>>;
    try {
      encoded = encodeFlow(def, params, weightsName);
    } catch (e) {
      return E.left(serializationError(`could not encode the flow: ${message(e)}`, 'params'));
    }
    const floats = new Float32Array(encoded.weightData);
    const bad = floats.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0)
      return E.left(
        valueError('params', 'finite values', `${floats[bad]} at value ${bad} (in manifest order)`),
      );

    const tempName = freshManifestTemp();
    const weightsPath = join(dir, weightsName);
    const tempPath = join(dir, tempName);
    const mine = [resolve(dir, weightsName), resolve(dir, tempName)];
    mine.forEach((p) => inProgress.add(p));
    let committed = false;
    try {
      await mkdir(dir, { recursive: true });
      await writeDurably(weightsPath, new Uint8Array(encoded.weightData));
      await writeDurably(tempPath, JSON.stringify(encoded.manifest, null, 2));
      await syncFolder(dir);
      await rename(tempPath, join(dir, MANIFEST)); // the one step that replaces the model
      committed = true;
      await syncFolder(dir);
    } catch (e) {
      if (committed) return E.right(undefined);
      await Promise.all([weightsPath, tempPath].map((p) => unlink(p).catch(() => undefined)));
      return E.left(serializationError(`could not save flow to '${dir}': ${message(e)}`, 'path'));
    } finally {
      mine.forEach((p) => inProgress.delete(p));
    }
    // Housekeeping only: the model is saved whatever happens here.
    await sweepFolder(dir).catch(() => undefined);
    return E.right(undefined);
  };
