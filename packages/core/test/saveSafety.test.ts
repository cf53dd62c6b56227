import { afterAll, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Params, disposeParams, tf } from '../src/index.js';
import { checkParamsMatch, mapParams } from '../src/entries/params.js';
import { loadFlow, saveFlow } from '../src/node.js';
import {
  build,
  builders,
  freshFolder,
  leftovers,
  removeFolders,
  trainedLike,
  values,
} from './serializationFixtures.js';

const def = build({ dim: 3, bins: 4 });
afterAll(removeFolders);

const loadValues = async (dir: string): Promise<number[]> => {
  const r = await loadFlow(dir, builders)();
  if (E.isLeft(r)) throw r.left;
  const v = values(r.right.params);
  disposeParams(r.right.params);
  return v;
};

/** A process id that no running process has: that of a child that has exited. */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid!;

describe('saveFlow: concurrency, refusals, leftovers', () => {
  it('concurrent saves to one folder in one process all succeed and leave one complete model', async () => {
    for (let trial = 0; trial < 5; trial++) {
      const dir = freshFolder();
      const models = [0, 1, 2, 3].map((i) => trainedLike(def, 10 * trial + i));
      const results = await Promise.all(models.map((p) => saveFlow(dir, def, p)()));
      results.forEach((r) => expect(r).toEqual(E.right(undefined)));
      const got = await loadValues(dir);
      expect(models.some((p) => values(p).every((v, i) => v === got[i]))).toBe(true);
      expect(leftovers(dir)).toEqual([]);
      models.forEach(disposeParams);
    }
  });

  it('refuses non-finite parameters with a ValueError and leaves the saved model as it was', async () => {
    const dir = freshFolder();
    const good = trainedLike(def, 1);
    await saveFlow(dir, def, good)();
    const bad = mapParams(good, (t, path) =>
      path === 'transform.1.raw' ? tf.fill(t.shape, NaN) : tf.clone(t),
    );
    const r = await saveFlow(dir, def, bad)();
    expect(E.isLeft(r) && r.left.kind).toBe('ValueError');
    expect(await loadValues(dir)).toEqual(values(good));
    expect(leftovers(dir)).toEqual([]);
    [good, bad].forEach(disposeParams);
  });

  it('refuses parameters of another architecture, or disposed ones, with a ShapeError', async () => {
    const dir = freshFolder();
    const other = build({ dim: 3, bins: 5 }).init(0);
    const r = await saveFlow(dir, def, other)();
    expect(E.isLeft(r) && r.left.kind).toBe('ShapeError');
    expect(E.isLeft(r) && r.left.message).toMatch(/transform\.1\.raw/);
    expect(readdirSync(dir)).toEqual([]);
    const gone = def.init(0);
    disposeParams(gone);
    expect(E.isLeft(await saveFlow(dir, def, gone)())).toBe(true);
    expect(E.isLeft(checkParamsMatch(def, null as unknown as Params))).toBe(true);
    disposeParams(other);
  });

  it('a save that fails half way leaves none of its files behind', async () => {
    const dir = freshFolder();
    mkdirSync(join(dir, 'flow.json')); // the final rename cannot replace a folder
    const p = trainedLike(def, 1);
    const r = await saveFlow(dir, def, p)();
    expect(E.isLeft(r) && r.left.kind).toBe('SerializationError');
    expect(readdirSync(dir)).toEqual(['flow.json']);
    disposeParams(p);
  });

  it('files left by crashed saves are ignored by loadFlow and deleted by the next save; others are kept', async () => {
    const dir = freshFolder();
    const p = trainedLike(def, 1);
    await saveFlow(dir, def, p)();
    const dead = deadPid();
    const stale = [
      `weights-${dead}-0123456789abcdef.bin`,
      `.flow.json-${dead}-0123456789abcdef.tmp`,
      `weights.bin.tmp-${dead}-1700000000000`, // left by the first layout's saveFlow
      `flow.json.tmp-${dead}-1700000000000`,
    ];
    const kept = ['weights-1-0123456789abcdef.bin', 'notes.txt']; // pid 1 is alive; notes.txt is not ours
    [...stale, ...kept].forEach((n) => writeFileSync(join(dir, n), 'junk'));
    expect(await loadValues(dir)).toEqual(values(p));
    expect(E.isRight(await saveFlow(dir, def, p)())).toBe(true);
    expect(leftovers(dir).sort()).toEqual([...kept].sort());
    expect(await loadValues(dir)).toEqual(values(p));
    disposeParams(p);
  });
});
