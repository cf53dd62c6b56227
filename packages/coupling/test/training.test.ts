import { presetOrThrow } from '@bijective/core/testing';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { type Batch, tf, disposeParams, fit, meanNll } from '@bijective/core';
import { mulberry32 } from '@bijective/core/params';
import { dataDependentInit, glow, presets, realNVP } from '../src/index.js';

/** Two moons (scikit-learn's shape, noise 0.05, scaled by 2 and shifted as in the bundled data), seeded. */
const moons = (n: number, seed: number): number[][] => {
  const rand = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  return Array.from({ length: n }, (_, i) => {
    const t = Math.PI * rand();
    const [x, y] = i % 2 === 0 ? [Math.cos(t), Math.sin(t)] : [1 - Math.cos(t), 0.5 - Math.sin(t)];
    return [2 * (x + 0.05 * gauss()) - 1, 2 * (y + 0.05 * gauss()) - 0.2];
  });
};

describe('training sanity (100 Adam steps, cpu)', () => {
  it('realNVP: the log-likelihood improves by > 0.3 nats and no tensor leaks', async () => {
    const def = realNVP({ dim: 2 }); // the reference configuration: 5 couplings, [64, 64]
    const rows = moons(1024, 1);
    const x = tf.tensor2d(rows) as Batch;
    const before = tf.memory().numTensors;
    const p0 = def.init(0);
    const nll0 = meanNll(def, p0, x);
    const r = await fit(def, x, {
      params: p0,
      seed: 0,
      maxSteps: 100,
      batchSize: 128,
      validationFraction: 0,
      learningRate: 3e-3,
    });
    if (E.isLeft(r)) throw r.left;
    expect(r.right.steps).toBe(100);
    const nll1 = meanNll(def, r.right.params, x);
    // At init the flow is N(0, I): ~3.0 nats on this data; 100 steps at lr 3e-3 reach well below.
    expect(Number.isFinite(nll1)).toBe(true);
    expect(nll0 - nll1).toBeGreaterThan(0.3);
    disposeParams(r.right.params);
    disposeParams(p0);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('glow after data-dependent init trains without diverging', async () => {
    const def = glow({ dim: 2, steps: 3, hidden: [32, 32] });
    const x = tf.tensor2d(moons(512, 2)) as Batch;
    const before = tf.memory().numTensors;
    const p0 = def.init(0);
    const init = dataDependentInit(def, p0, x);
    if (E.isLeft(init)) throw init.left;
    const nllInit = meanNll(def, init.right, x);
    const r = await fit(def, x, {
      params: init.right,
      seed: 1,
      maxSteps: 50,
      batchSize: 128,
      validationFraction: 0,
      learningRate: 3e-3,
    });
    if (E.isLeft(r)) throw r.left;
    expect(meanNll(def, r.right.params, x)).toBeLessThan(nllInit);
    [p0, init.right, r.right.params].forEach(disposeParams);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});

describe('no tensor leaks over 100 training steps of each preset', () => {
  for (const name of Object.keys(presets)) {
    it(name, async () => {
      // Small networks: the property is the tensor count after 100 Adam steps, not the fit.
      const def = presetOrThrow(presets, name, { dim: 2, hidden: [8], steps: 2 });
      const x = tf.tensor2d(moons(256, 7));
      const before = tf.memory().numTensors;
      const r = await fit(def, x, { seed: 0, maxSteps: 100, batchSize: 32, validationFraction: 0 });
      if (E.isLeft(r)) throw r.left;
      expect(r.right.steps).toBe(100);
      disposeParams(r.right.params);
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
    });
  }
});
