import * as E from 'fp-ts/lib/Either.js';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type FlowDef,
  type JsonObject,
  type Params,
  chain,
  diagNormal,
  disposeParams,
  flow,
  logProb,
  tf,
  valueError,
} from '../src/index.js';
import { affineTransform } from '../src/entries/transforms.js';
import { splineTransform } from '../src/entries/spline.js';
import { flattenParams, mapParams, tfSeed } from '../src/entries/params.js';
import { manifestChecksum } from '../src/serialization/index.js';

/**
 * The test flow `demo` from a JSON config, validating it as a preset does
 * (a `ValueError` thrown for a bad option): an affine layer and a spline.
 */
export const build = (config: JsonObject): FlowDef<Params> => {
  const { dim, bins, bound } = config;
  if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < 1 || dim > 4096)
    throw valueError('config.dim', 'an integer in [1, 4096]', String(dim));
  if (typeof bins !== 'number' || !Number.isInteger(bins) || bins < 2 || bins > 1024)
    throw valueError('config.bins', 'an integer in [2, 1024]', String(bins));
  if (bound !== undefined && (typeof bound !== 'number' || !(bound > 0)))
    throw valueError('config.bound', 'a positive number', String(bound));
  return flow({
    name: 'demo',
    dim,
    config,
    transform: chain(affineTransform(dim), splineTransform(dim, { bins, bound: bound ?? 5 })),
    base: diagNormal(dim),
  });
};

export const builders = { demo: build };

/** Parameters of `def` moved away from the initial ones, reproducibly per `seed`. */
export const trainedLike = (def: FlowDef<Params>, seed: number): Params => {
  const p = def.init(1);
  const q = mapParams(p, (t) =>
    tf.tidy(() => tf.add(t, tf.randomNormal(t.shape, 0, 0.3, 'float32', tfSeed(seed)))),
  );
  disposeParams(p);
  return q;
};

/** All parameter values, in manifest order. */
export const values = (p: Params): number[] =>
  flattenParams(p).flatMap((l) => Array.from(l.tensor.dataSync()));

export const lp = (d: FlowDef<Params>, p: Params): number[] => {
  const r = logProb(d, p, [
    [0.1, -0.4, 2],
    [1, 1, -3],
  ]);
  if (E.isLeft(r)) throw r.left;
  const v = Array.from(r.right.dataSync());
  r.right.dispose();
  return v;
};

const dirs: string[] = [];
/** A fresh temporary folder, deleted by {@link removeFolders}. */
export const freshFolder = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'bijective-'));
  dirs.push(d);
  return d;
};
export const removeFolders = (): void =>
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));

/** The weight file the manifest in `dir` points to. */
export const weightsFile = (dir: string): string => {
  const m = JSON.parse(readFileSync(join(dir, 'flow.json'), 'utf8'));
  return join(dir, m.weightsManifest[0].paths[0]);
};

/** Our files in `dir` other than `flow.json` and the weight file it points to. */
export const leftovers = (dir: string): string[] => {
  const current = weightsFile(dir).slice(dir.length + 1);
  return readdirSync(dir).filter((n) => n !== 'flow.json' && n !== current);
};

/** Edit the manifest in `dir` and recompute its checksum, as someone crafting a hostile file would. */
export const resign = (dir: string, edit: (m: Record<string, unknown>) => void): void => {
  const path = join(dir, 'flow.json');
  const m = JSON.parse(readFileSync(path, 'utf8'));
  edit(m);
  const bytes = readFileSync(weightsFile(dir));
  const { checksum: _, ...unsigned } = m;
  try {
    m.checksum = manifestChecksum(unsigned, new Uint8Array(bytes));
  } catch {
    // A manifest too broken to hash keeps its old checksum.
  }
  writeFileSync(path, JSON.stringify(m));
};
