import { randomBytes } from 'node:crypto';
import { open, readFile, readdir, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { parseManifest } from './manifest.js';

/**
 * The on-disk layout of a saved flow, Node only. A model folder holds
 *
 * - `flow.json`: the manifest, which names the weight file it belongs to;
 * - `weights-<pid>-<16 hex>.bin`: that weight file (a fresh, unique name for every save);
 *
 * and, transiently, `.flow.json-<pid>-<16 hex>.tmp` (a manifest being
 * written) or weight files of saves in progress or superseded. Models saved
 * before this layout (`flow.json` + `weights.bin`) load unchanged.
 *
 * The manifest is the one pointer to the model: a save writes and fsyncs its
 * new weight file and a temporary manifest, then `rename`s the manifest over
 * `flow.json` (atomic on POSIX file systems and NTFS). Until that rename,
 * `flow.json` still names the old weight file, which is never deleted before
 * it; after it, `flow.json` names the new, complete one. So after a crash at
 * any instant the folder holds the old or the new model, both loadable.
 */
export const MANIFEST = 'flow.json';

/** The weight file name of the first layout (format version 1). */
export const LEGACY_WEIGHTS = 'weights.bin';

const token = () => `${process.pid}-${randomBytes(8).toString('hex')}`;

/** A fresh, unique weight file name for one save. */
export const freshWeightsName = (): string => `weights-${token()}.bin`;

/** A fresh, unique temporary manifest name for one save. */
export const freshManifestTemp = (): string => `.flow.json-${token()}.tmp`;

/**
 * Who wrote a file of ours, from its name: the writing process id, `legacy`
 * for the first layout's `weights.bin`, or `undefined` for a file that is not
 * ours (never touched). The last pattern is the first layout's temp files.
 */
export const fileOwner = (name: string): number | 'legacy' | undefined => {
  if (name === LEGACY_WEIGHTS) return 'legacy';
  const m =
    /^weights-(\d+)-[0-9a-f]{16}\.bin$/.exec(name) ??
    /^\.flow\.json-(\d+)-[0-9a-f]{16}\.tmp$/.exec(name) ??
    /^(?:weights\.bin|flow\.json)\.tmp-(\d+)-\d+$/.exec(name);
  return m === null ? undefined : Number(m[1]);
};

/** Absolute paths of files that saves of this process are writing right now. */
export const inProgress = new Set<string>();

const alive = (pid: number): boolean => {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
};

/** Write `data` to a new file (failing if it exists) and fsync it before closing. */
export const writeDurably = async (path: string, data: Uint8Array | string): Promise<void> => {
  const fh = await open(path, 'wx');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
};

/** fsync a folder, so renames and new entries in it survive a power loss (a no-op where folders cannot be opened, as on Windows). */
export const syncFolder = async (dir: string): Promise<void> => {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // Windows cannot fsync a directory; its renames are journalled by NTFS.
  } finally {
    await fh?.close();
  }
};

/** The weight file name that `flow.json` in `dir` points to: `undefined` if there is no manifest, `null` if it cannot be read. */
export const currentWeights = async (dir: string): Promise<string | undefined | null> => {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST), 'utf8');
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : null;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const m = parseManifest(value);
  return E.isRight(m) ? m.right.weightsManifest[0].paths[0] : null;
};

/**
 * Delete what failed, crashed or superseded saves left in `dir`: our files
 * (see {@link fileOwner}) that `flow.json` does not point to, that no save of
 * this process is writing, and whose writer is this process or no longer
 * runs. Does nothing when `flow.json` exists but cannot be read.
 *
 * Why it never deletes a live model: the folder is listed first, then the
 * in-progress set is copied, then `flow.json` is read. A listed file whose
 * save was still running at the copy is kept; one whose save had finished
 * was renamed in before `flow.json` was read, so it is either what
 * `flow.json` points to or superseded for good (each file is pointed to by
 * one rename only). Another process's files are left to that process.
 */
export const sweepFolder = async (dir: string): Promise<void> => {
  const names = await readdir(dir);
  const busy = new Set(inProgress);
  const current = await currentWeights(dir);
  if (current === null) return;
  for (const name of names) {
    const owner = fileOwner(name);
    if (owner === undefined || name === current || busy.has(resolve(dir, name))) continue;
    if (owner === 'legacy' ? current === undefined : owner !== process.pid && alive(owner))
      continue;
    await unlink(join(dir, name)).catch(() => undefined);
  }
};
