import { afterAll, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Params, disposeParams, tf } from '../src/index.js';
import { flattenParams } from '../src/entries/params.js';
import { fnv1a } from '../src/serialization/index.js';
import { loadFlow, saveFlow } from '../src/node.js';
import {
  build,
  builders,
  freshFolder,
  leftovers,
  lp,
  removeFolders,
  resign,
  trainedLike,
  values,
  weightsFile,
} from './serializationFixtures.js';

const def = build({ dim: 3, bins: 4 });
afterAll(removeFolders);

describe('save / load', () => {
  it('round trip gives identical logProb, via builders or a given definition', async () => {
    const dir = freshFolder();
    const params = trainedLike(def, 9);
    const saved = await saveFlow(dir, def, params)();
    expect(E.isRight(saved)).toBe(true);
    expect(readdirSync(dir)).toHaveLength(2); // flow.json and its weight file, no temp files left
    expect(leftovers(dir)).toEqual([]);
    const loaded = await loadFlow(dir, builders)();
    if (E.isLeft(loaded)) throw loaded.left;
    expect(lp(loaded.right.def, loaded.right.params)).toEqual(lp(def, params));
    const again = await loadFlow(dir, def)();
    if (E.isLeft(again)) throw again.left;
    expect(lp(def, again.right.params)).toEqual(lp(def, params));
    const manifest = JSON.parse(readFileSync(join(dir, 'flow.json'), 'utf8'));
    expect(manifest.weightsManifest[0].paths[0]).toMatch(/^weights-\d+-[0-9a-f]{16}\.bin$/);
    expect(manifest.weightsManifest[0].weights[0]).toEqual({
      name: 'base.logScale',
      shape: [3],
      dtype: 'float32',
    });
    [params, loaded.right.params, again.right.params].forEach(disposeParams);
  });

  it('a model in the first layout (flow.json format 1 + weights.bin) still loads', async () => {
    // Written by hand in the layout saveFlow used before format 2, checksum over the weights only.
    const dir = freshFolder();
    const params = def.init(3);
    const bytes = new Uint8Array(new Float32Array(values(params)).buffer);
    writeFileSync(join(dir, 'weights.bin'), bytes);
    writeFileSync(
      join(dir, 'flow.json'),
      JSON.stringify({
        format: 'bijective-flow',
        formatVersion: 1,
        name: 'demo',
        config: { dim: 3, bins: 4 },
        weightsManifest: [{ paths: ['weights.bin'], weights: specsOf(params) }],
        byteLength: bytes.byteLength,
        checksum: fnv1a(bytes),
      }),
    );
    const loaded = await loadFlow(dir, builders)();
    if (E.isLeft(loaded)) throw loaded.left;
    expect(lp(loaded.right.def, loaded.right.params)).toEqual(lp(def, params));
    // Saving over it replaces it with the new layout and removes the old weight file.
    expect(E.isRight(await saveFlow(dir, def, loaded.right.params)())).toBe(true);
    expect(readdirSync(dir)).not.toContain('weights.bin');
    [params, loaded.right.params].forEach(disposeParams);
  });

  const corruptCase = async (
    mutate: (dir: string) => void,
    pattern: RegExp,
    load: (dir: string) => ReturnType<ReturnType<typeof loadFlow>> = (d) => loadFlow(d, builders)(),
  ) => {
    const dir = freshFolder();
    const params = trainedLike(def, 9);
    await saveFlow(dir, def, params)();
    disposeParams(params);
    mutate(dir);
    const before = tf.memory().numTensors;
    const r = await load(dir);
    expect(E.isLeft(r)).toBe(true);
    if (E.isLeft(r)) {
      expect(r.left.kind).toBe('SerializationError');
      expect(r.left.message).toMatch(pattern);
    }
    expect(tf.memory().numTensors).toBe(before);
  };

  it('a truncated weight file is rejected', () =>
    corruptCase(
      (d) => writeFileSync(weightsFile(d), readFileSync(weightsFile(d)).subarray(0, 40)),
      /truncated/,
    ));
  it('a weight file with one byte too many is rejected', () =>
    corruptCase(
      (d) =>
        writeFileSync(
          weightsFile(d),
          Buffer.concat([readFileSync(weightsFile(d)), Buffer.from([0])]),
        ),
      /padded/,
    ));
  it('a corrupted weight file is rejected', () =>
    corruptCase((d) => {
      const b = readFileSync(weightsFile(d));
      b[17] = b[17]! ^ 0xff;
      writeFileSync(weightsFile(d), b);
    }, /checksum/));
  it('a config edited without touching the weights is rejected (the checksum covers the manifest)', () =>
    corruptCase((d) => {
      // Same shapes, another density: the spline's interval [-5, 5] becomes [-4, 4].
      const m = JSON.parse(readFileSync(join(d, 'flow.json'), 'utf8'));
      m.config.bound = 4;
      writeFileSync(join(d, 'flow.json'), JSON.stringify(m));
    }, /checksum/));
  it('a manifest that is not JSON is rejected', () =>
    corruptCase((d) => writeFileSync(join(d, 'flow.json'), '{"format":'), /not valid JSON/));
  it('a missing file is rejected', () =>
    corruptCase((d) => rmSync(weightsFile(d)), /could not read/));
  it('a mismatched definition (other config) is rejected', () =>
    corruptCase(
      () => undefined,
      /config does not match/,
      (d) => loadFlow(d, build({ dim: 3, bins: 5 }))(),
    ));
  it('a weight with a wrong shape is rejected', () =>
    corruptCase(
      (d) =>
        resign(d, (m) => {
          const w = (m['weightsManifest'] as { weights: { shape: number[] }[] }[])[0]!.weights;
          w[0]!.shape = [1, 3]; // same byte count, another shape
        }),
      /wrong shape|wrong name/,
    ));
  it('an unknown flow name is rejected', () =>
    corruptCase((d) => resign(d, (m) => (m['name'] = 'other')), /no builder/));
});

const specsOf = (p: Params) =>
  flattenParams(p).map((l) => ({ name: l.path, shape: l.tensor.shape, dtype: 'float32' }));
