import { afterAll, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FlowDef, type Params, disposeParams, encodeFlow, tf } from '../src/index.js';
import { mulberry32 } from '../src/entries/params.js';
import { loadFlow, saveFlow } from '../src/node.js';
import { bigDef, modelA, modelB } from './saveCrashModels.js';
import {
  builders,
  freshFolder,
  leftovers,
  removeFolders,
  values,
} from './serializationFixtures.js';

/** Savers still running (killed in afterAll if a failure left any behind). */
const live = new Set<ChildProcess>();
afterAll(async () => {
  await Promise.all([...live].map(killed));
  removeFolders();
});

const child = fileURLToPath(new URL('./saveLoop.child.ts', import.meta.url));
const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** Start the saving child and resolve once it has drawn its models and begins saving. */
const startSaver = (dir: string, modelsDir: string): Promise<ChildProcess> =>
  new Promise((resolve, reject) => {
    const p = fork(child, [dir, modelsDir], {
      cwd: packageDir,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    live.add(p);
    let err = '';
    p.stderr?.on('data', (d) => (err += String(d)));
    p.on('message', (m) => (m === 'ready' ? resolve(p) : reject(new Error(String(m)))));
    p.on('exit', (code, signal) =>
      reject(new Error(`saver exited (${code ?? signal}) before it was ready: ${err}`)),
    );
  });

const killed = (p: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    live.delete(p);
    if (p.exitCode !== null || p.signalCode !== null) return resolve();
    p.on('exit', () => resolve());
    p.kill('SIGKILL');
  });

/** The models encoded as saveFlow encodes them before writing, for the saving children. */
const writeEncoded = (
  modelsDir: string,
  def: FlowDef<Params>,
  models: Record<'a' | 'b', Params>,
) => {
  for (const [name, p] of Object.entries(models)) {
    const { manifest, weightData } = encodeFlow(def, p);
    writeFileSync(join(modelsDir, `${name}.json`), JSON.stringify(manifest));
    writeFileSync(join(modelsDir, `${name}.bin`), new Uint8Array(weightData));
  }
};

describe('saveFlow under kill -9', () => {
  it('a process killed at random instants while overwriting a model always leaves the old or the new one, loadable', async () => {
    const def = bigDef();
    const pa = modelA(def);
    const pb = modelB(def);
    const a = Buffer.from(new Float32Array(values(pa)).buffer);
    const b = Buffer.from(new Float32Array(values(pb)).buffer);
    expect(a.equals(b)).toBe(false);
    const modelsDir = freshFolder();
    writeEncoded(modelsDir, def, { a: pa, b: pb });

    const lanes = 2; // folders killed in parallel, to keep the test short
    const killsPerLane = 25;
    const rand = mulberry32(15);
    let interrupted = 0; // kills that left a partly written save behind
    const seen = { a: 0, b: 0 };
    const t0 = performance.now();
    expect(E.isRight(await saveFlow(freshFolder(), def, pa)())).toBe(true);
    const saveMs = performance.now() - t0;

    let failed = false; // one lane's failure stops the others
    const lane = async () => {
      const dir = freshFolder();
      expect(E.isRight(await saveFlow(dir, def, pa)())).toBe(true);
      for (let k = 0; k < killsPerLane && !failed; k++) {
        const saver = await startSaver(dir, modelsDir);
        // Uniform over a few saves: lands in every phase (weight write, manifest write, rename, sweep).
        await new Promise((r) => setTimeout(r, rand() * 4 * saveMs));
        await killed(saver);
        if (leftovers(dir).length > 0) interrupted++;
        const before = tf.memory().numTensors;
        const r = await loadFlow(dir, builders)();
        if (E.isLeft(r)) throw new Error(`kill ${k}: the folder does not load: ${r.left.message}`);
        const got = Buffer.from(new Float32Array(values(r.right.params)).buffer);
        disposeParams(r.right.params);
        expect(tf.memory().numTensors).toBe(before);
        if (got.equals(a)) seen.a++;
        else if (got.equals(b)) seen.b++;
        else
          throw new Error(
            `kill ${k}: the folder loads a model that is neither the old nor the new one`,
          );
      }
      // The next save removes what the killed saves left behind.
      expect(E.isRight(await saveFlow(dir, def, pb)())).toBe(true);
      expect(leftovers(dir)).toEqual([]);
    };
    await Promise.all(
      Array.from({ length: lanes }, () =>
        lane().catch((e: unknown) => {
          failed = true;
          throw e;
        }),
      ),
    );
    expect(seen.a + seen.b).toBe(lanes * killsPerLane);
    // The kills must really have hit saves in progress, else this test proves nothing.
    expect(interrupted).toBeGreaterThan(0);
    console.log(
      `kills: ${lanes * killsPerLane}, loaded old/new: ${seen.a}/${seen.b}, interrupted mid-save: ${interrupted}, one save: ${saveMs.toFixed(0)} ms`,
    );
    [pa, pb].forEach(disposeParams);
  }, 300_000);

  it('two processes overwriting one folder at once never break it, and leave nothing behind once they are gone', async () => {
    const def = bigDef();
    const pa = modelA(def);
    const pb = modelB(def);
    const modelsDir = freshFolder();
    writeEncoded(modelsDir, def, { a: pa, b: pb });
    const a = Buffer.from(new Float32Array(values(pa)).buffer);
    const b = Buffer.from(new Float32Array(values(pb)).buffer);
    const dir = freshFolder();
    expect(E.isRight(await saveFlow(dir, def, pa)())).toBe(true);
    const savers = await Promise.all([startSaver(dir, modelsDir), startSaver(dir, modelsDir)]);
    for (let i = 0; i < 10; i++) {
      // Loads while both write: a concurrent save may replace the model between reading
      // flow.json and its weight file, which the loader must survive.
      await new Promise((r) => setTimeout(r, 50));
      const r = await loadFlow(dir, builders)();
      if (E.isLeft(r)) throw new Error(`load ${i} during concurrent saves: ${r.left.message}`);
      const got = Buffer.from(new Float32Array(values(r.right.params)).buffer);
      disposeParams(r.right.params);
      expect(got.equals(a) || got.equals(b)).toBe(true);
    }
    await Promise.all(savers.map(killed));
    expect(E.isRight(await saveFlow(dir, def, pb)())).toBe(true);
    expect(leftovers(dir)).toEqual([]);
    [pa, pb].forEach(disposeParams);
  }, 120_000);
});
