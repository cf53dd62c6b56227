import * as E from 'fp-ts/lib/Either.js';
import { type Batch, disposeParams, tf } from '@bijective/core';
import { readSafetensorsFile } from '@bijective/interop/node';
import { describe, expect, it } from 'vitest';
import type { FlowEntry } from '../src/flows.js';
import { runCell } from '../src/speed.js';
import { type ZukoModelEntry, loadZukoModel, zukoModelId } from '../src/zukoModel.js';
import { zukoFixture } from './fixtures.js';

const load = async (name: string, flow: 'MAF' | 'NSF' | 'RealNVP'): Promise<ZukoModelEntry> => {
  const m = await loadZukoModel(zukoFixture(`${name}.safetensors`), flow)();
  if (E.isLeft(m)) throw m.left;
  return m.right;
};

/** A float32 tensor of a fixture's data file (`x`, `context`: [n, d]; `log_prob`: [n]). */
const dataTensor = async (name: string, key: string): Promise<tf.Tensor> => {
  const f = await readSafetensorsFile(zukoFixture(`${name}.data.safetensors`))();
  if (E.isLeft(f)) throw f.left;
  const t = f.right.tensors.get(key);
  if (t === undefined || t.dtype !== 'F32') throw new Error(`${name}: no F32 ${key}`);
  return tf.tensor(t.data, [...t.shape]);
};

const timing = { warmup: 1, reps: 2, maxSeconds: 10 };

describe('zuko model files in the speed matrix', () => {
  it("load() gives the file's trained parameters: logProb equals zuko's log_prob (1e-4)", async () => {
    const before = tf.memory().numTensors;
    for (const [name, flow] of [
      ['maf-30-ctx3', 'MAF'],
      ['nsf-2', 'NSF'],
    ] as const) {
      const m = await load(name, flow);
      expect(m.entry.id).toBe(`zuko/${flow} (${name}.safetensors)`);
      const { def, params } = m.entry.load!();
      const x = await dataTensor(name, 'x');
      const c = m.contextDim > 0 ? await dataTensor(name, 'context') : undefined;
      const lp = tf.tidy(() => def.apply(params).logProb(x as Batch, c as Batch | undefined));
      const zuko = await dataTensor(name, 'log_prob');
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(lp, zuko))).dataSync()[0]!);
      expect(diff, name).toBeLessThan(1e-4);
      tf.dispose([lp, x, zuko, ...(c === undefined ? [] : [c])]);
      disposeParams(params);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it("the sizes are the file's, and a model at other sizes than RESULTS.md's has no zuko reference", async () => {
    const m = await load('maf-30-ctx3', 'MAF');
    expect(m.size).toEqual({ dim: 30, hidden: [128, 128], transforms: 3 });
    expect(m.contextDim).toBe(3);
    expect(m.entry.reference).toBeUndefined();
    expect((await load('realnvp-5-randmask', 'RealNVP')).entry.reference).toBe('RealNVP');
    expect(zukoModelId('NSF', '/a/b/model.safetensors')).toBe('zuko/NSF (model.safetensors)');
  });

  it('runCell times the loaded model (never build + init), context flows included, and leaks nothing', async () => {
    const m = await load('maf-30-ctx3', 'MAF');
    // build would fail: a row that is ok can only come from load().
    const loadedOnly: FlowEntry = {
      ...m.entry,
      build: () => {
        throw new Error('build called');
      },
    };
    const size = { ...m.size, batch: 8, evalBatch: 8 };
    const before = tf.memory().numTensors;
    for (const op of ['train', 'logProb', 'sample'] as const) {
      const row = await runCell(loadedOnly, op, size, timing, 0, 'cpu');
      expect(row.status, row.reason).toBe('ok');
      expect(row).toMatchObject({ dim: 30, hidden: [128, 128], transforms: 3, leakedTensors: 0 });
      // zuko's MAF(30, 3, transforms=3, hidden_features=(128, 128)): (30+3)·128 + 128 + 128·128 + 128 + 128·60 + 60 per layer.
      expect(row.params).toBe(3 * (33 * 128 + 128 + 128 * 128 + 128 + 128 * 60 + 60));
      expect(row.note).toBe('context: 3 standard-normal features per row');
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
