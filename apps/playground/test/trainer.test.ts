import * as E from 'fp-ts/lib/Either.js';
import { disposeParams, tf } from '@bijective/core';
import { describe, expect, it } from 'vitest';
import { generate } from '../src/datasets.js';
import {
  PRESETS,
  type PresetName,
  buildFlow,
  defaultSettings,
  settingsFromConfig,
} from '../src/flows.js';
import { createTrainer, loadModel, splitRows } from '../src/trainer.js';

const { train, val } = splitRows(generate('moons', 600, 0), 0.1, 0);
const small = (preset: PresetName) => ({ ...defaultSettings(preset), transforms: 2, hidden: 8 });

describe('trainer', () => {
  it.each<PresetName>([...PRESETS])(
    '%s: every operation of a session frees its tensors (numTensors back to baseline)',
    (preset) => {
      const baseline = tf.memory().numTensors;
      const t = createTrainer(small(preset), train, val, 0);
      const r = t.steps(3, 1e-3, 64);
      expect(r.steps).toBe(3);
      expect(Number.isFinite(t.validate())).toBe(true);
      expect(Number.isFinite(t.trainLogLik(100))).toBe(true);
      expect(t.logProb(new Float32Array([0, 0, 1, 1])).length).toBe(2);
      expect(t.sample(10, 1).length).toBe(20);
      // Data, one snapshot per step (transforms or ODE steps), the last at the base.
      const layers = t.layers(20);
      expect(layers.length).toBe(3);
      expect(layers[2]!.label).toBe('base z');
      t.keepBest();
      t.steps(1, 1e-3, 64);
      expect(t.restoreBest()).toBe(true);
      t.save();
      t.dispose();
      expect(tf.memory().numTensors).toBe(baseline);
    },
  );

  it.each<PresetName>(['glow', 'nice', 'nsfCoupling', 'maf'])(
    '%s: the last layer snapshot is the whole flow’s forward map (the prefixes slice the right layers)',
    (preset) => {
      const t = createTrainer(small(preset), train, val, 0);
      t.steps(5, 1e-2, 64);
      const layers = t.layers(20);
      const x = layers[0]!.points;
      const z = layers[layers.length - 1]!.points;
      const loaded = loadModel(t.save(), settingsFromConfig);
      if (E.isLeft(loaded)) throw new Error(loaded.left);
      const def = buildFlow(loaded.right.settings).def;
      const y = tf.tidy(
        () => def.apply(loaded.right.params).bijection.forward(tf.tensor2d(x, [x.length / 2, 2])).y,
      );
      const expected = y.dataSync();
      y.dispose();
      disposeParams(loaded.right.params);
      expect(Array.from(z).some((v, i) => Math.abs(v - x[i]!) > 1e-3)).toBe(true);
      z.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
      t.dispose();
    },
  );

  it('save then load gives the same log p; a corrupted file is a clear error', () => {
    const t = createTrainer(small('realNVP'), train, val, 0);
    t.steps(5, 1e-2, 64);
    const at = new Float32Array([0.5, -0.25, -1, 1]);
    const before = t.logProb(at);
    const saved = t.save();
    const loaded = loadModel(saved, settingsFromConfig);
    if (E.isLeft(loaded)) throw new Error(loaded.left);
    const again = createTrainer(loaded.right.settings, train, val, 0, loaded.right.params);
    expect(Array.from(again.logProb(at))).toEqual(Array.from(before));
    again.dispose();

    const bytes = new Uint8Array(saved.weights.slice(0));
    bytes[5] = bytes[5]! ^ 0xff;
    const bad = loadModel({ manifest: saved.manifest, weights: bytes.buffer }, settingsFromConfig);
    expect(E.isLeft(bad) && bad.left).toMatch(/checksum/);
    const foreign = loadModel(
      { manifest: { format: 'other' }, weights: saved.weights },
      settingsFromConfig,
    );
    expect(E.isLeft(foreign) && foreign.left).toMatch(/not a bijective flow manifest/);
    t.dispose();
  });
});
