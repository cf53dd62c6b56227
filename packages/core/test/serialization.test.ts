import { afterAll, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type FlowDef,
  type JsonObject,
  type Params,
  affineTransform,
  chain,
  diagNormal,
  disposeParams,
  flow,
  mapParams,
  splineTransform,
  tf,
  logProb,
} from '../src/index.js';
import { loadFlow, saveFlow } from '../src/node.js';

const build = (config: JsonObject): FlowDef<Params> => {
  const dim = config['dim'] as number;
  const bins = config['bins'] as number;
  return flow({ name: 'demo', dim, config, transform: chain(affineTransform(dim), splineTransform(dim, { bins })), base: diagNormal(dim) });
};
const def = build({ dim: 3, bins: 4 });
const dirs: string[] = [];
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), 'bijective-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const trainedLike = () => {
  const p = def.init(1);
  const q = mapParams(p, (t, _path) => tf.tidy(() => tf.add(t, tf.randomNormal(t.shape, 0, 0.3, 'float32', 9))));
  disposeParams(p);
  return q;
};

const lp = (d: FlowDef<Params>, p: Params) => {
  const r = logProb(d, p, [[0.1, -0.4, 2], [1, 1, -3]]);
  if (E.isLeft(r)) throw r.left;
  const v = Array.from(r.right.dataSync());
  r.right.dispose();
  return v;
};

describe('save / load', () => {
  it('round trip gives identical logProb, via builders or a given definition', async () => {
    const dir = fresh();
    const params = trainedLike();
    const saved = await saveFlow(dir, def, params)();
    expect(E.isRight(saved)).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['flow.json', 'weights.bin']); // no temp files left
    const loaded = await loadFlow(dir, { demo: build })();
    if (E.isLeft(loaded)) throw loaded.left;
    expect(lp(loaded.right.def, loaded.right.params)).toEqual(lp(def, params));
    const again = await loadFlow(dir, def)();
    if (E.isLeft(again)) throw again.left;
    expect(lp(def, again.right.params)).toEqual(lp(def, params));
    const manifest = JSON.parse(readFileSync(join(dir, 'flow.json'), 'utf8'));
    expect(manifest.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(manifest.weightsManifest[0].weights[0]).toEqual({ name: 'base.logScale', shape: [3], dtype: 'float32' });
    [params, loaded.right.params, again.right.params].forEach(disposeParams);
  });

  const corruptCase = async (mutate: (dir: string) => void, pattern: RegExp) => {
    const dir = fresh();
    const params = trainedLike();
    await saveFlow(dir, def, params)();
    disposeParams(params);
    mutate(dir);
    const before = tf.memory().numTensors;
    const r = await loadFlow(dir, { demo: build })();
    expect(E.isLeft(r)).toBe(true);
    if (E.isLeft(r)) {
      expect(r.left.kind).toBe('SerializationError');
      expect(r.left.message).toMatch(pattern);
    }
    expect(tf.memory().numTensors).toBe(before);
  };

  it('a truncated weight file is rejected', () =>
    corruptCase((d) => writeFileSync(join(d, 'weights.bin'), readFileSync(join(d, 'weights.bin')).subarray(0, 40)), /truncated/));
  it('a corrupted weight file is rejected', () =>
    corruptCase((d) => {
      const b = readFileSync(join(d, 'weights.bin'));
      b[17] = b[17]! ^ 0xff;
      writeFileSync(join(d, 'weights.bin'), b);
    }, /checksum/));
  it('a manifest that is not JSON is rejected', () => corruptCase((d) => writeFileSync(join(d, 'flow.json'), '{"format":'), /not valid JSON/));
  it('a missing file is rejected', () => corruptCase((d) => rmSync(join(d, 'weights.bin')), /could not read/));
  it('a mismatched definition (other config) is rejected', async () => {
    const dir = fresh();
    const params = trainedLike();
    await saveFlow(dir, def, params)();
    disposeParams(params);
    const r = await loadFlow(dir, build({ dim: 3, bins: 5 }))();
    expect(E.isLeft(r) && r.left.message).toMatch(/config does not match/);
  });
  it('a weight with a wrong shape is rejected', () =>
    corruptCase((d) => {
      const m = JSON.parse(readFileSync(join(d, 'flow.json'), 'utf8'));
      m.weightsManifest[0].weights[0].shape = [4];
      writeFileSync(join(d, 'flow.json'), JSON.stringify(m));
    }, /wrong shape/));
  it('an unknown flow name is rejected', () =>
    corruptCase((d) => {
      const m = JSON.parse(readFileSync(join(d, 'flow.json'), 'utf8'));
      m.name = 'other';
      writeFileSync(join(d, 'flow.json'), JSON.stringify(m));
    }, /no builder/));
});
