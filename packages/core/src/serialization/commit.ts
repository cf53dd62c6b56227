import { mkdir, rename, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  MANIFEST,
  freshManifestTemp,
  freshWeightsName,
  inProgress,
  sweepFolder,
  syncFolder,
  writeDurably,
} from './folder.js';
import { type UnsignedManifest, manifestChecksum } from './manifest.js';

/**
 * Replace the model in folder `dir` by `weights` and their manifest, as one
 * unit (the protocol of `folder.ts`): write the weights to a fresh, unique
 * file and fsync it; point the manifest at that file, sign it and write it
 * to a fresh temporary name, fsync; fsync the folder; `rename` the manifest
 * over `flow.json` (the commit); fsync the folder; delete what earlier saves
 * left (`sweepFolder`). On failure before the commit, deletes its own files
 * and throws; after it, never throws. Needs no tfjs: `saveFlow` checks and
 * encodes, this writes.
 *
 * @example
 * ```ts
 * const { unsigned, bytes } = encodeUnsigned(def, params, 'weights.bin');
 * await commitFlowFiles('./model', unsigned, bytes);
 * ```
 */
export const commitFlowFiles = async (
  dir: string,
  unsigned: UnsignedManifest,
  weights: Uint8Array,
): Promise<void> => {
  const weightsName = freshWeightsName();
  const tempName = freshManifestTemp();
  const group = unsigned.weightsManifest[0];
  const pointed: UnsignedManifest = {
    ...unsigned,
    weightsManifest: [{ paths: [weightsName], weights: group.weights }],
  };
  const manifest = { ...pointed, checksum: manifestChecksum(pointed, weights) };
  const weightsPath = join(dir, weightsName);
  const tempPath = join(dir, tempName);
  const mine = [resolve(dir, weightsName), resolve(dir, tempName)];
  mine.forEach((p) => inProgress.add(p));
  let committed = false;
  try {
    await mkdir(dir, { recursive: true });
    await writeDurably(weightsPath, weights);
    await writeDurably(tempPath, JSON.stringify(manifest, null, 2));
    await syncFolder(dir);
    await rename(tempPath, join(dir, MANIFEST)); // the one step that replaces the model
    committed = true;
    await syncFolder(dir);
  } catch (e) {
    if (!committed) {
      await Promise.all([weightsPath, tempPath].map((p) => unlink(p).catch(() => undefined)));
      throw e;
    }
  } finally {
    mine.forEach((p) => inProgress.delete(p));
  }
  // Housekeeping only: the model is saved whatever happens here.
  await sweepFolder(dir).catch(() => undefined);
};
