import { describe, expect, it } from 'vitest';
import { diagNormal, disposeParams, mixtureOfGaussians, standardNormal, tf } from '../src/index.js';
import { tfSeed } from '../src/entries/params.js';
import { expectNoLeaks } from '../src/testing/index.js';

const read = (t: tf.Tensor) => {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
};

describe('distributions', () => {
  it('standard normal log-density matches the closed form', () => {
    const d = standardNormal(2).apply([]);
    const lp = read(
      tf.tidy(() =>
        d.logProb(
          tf.tensor2d([
            [0, 0],
            [1, -2],
          ]),
        ),
      ),
    );
    expect(lp[0]).toBeCloseTo(-Math.log(2 * Math.PI), 5);
    expect(lp[1]).toBeCloseTo(-Math.log(2 * Math.PI) - 2.5, 5);
  });

  it('diagonal normal: density and sample moments follow mean and scale', () => {
    const def = diagNormal(2);
    const p = { mean: tf.tensor1d([1, -2]), logScale: tf.tensor1d([Math.log(0.5), Math.log(3)]) };
    const d = def.apply(p);
    const lp = read(tf.tidy(() => d.logProb(tf.tensor2d([[1, -2]]))));
    expect(lp[0]).toBeCloseTo(-Math.log(2 * Math.PI) - Math.log(0.5) - Math.log(3), 5);
    const x = tf.tidy(() => d.sample(20000, 3));
    const m = read(tf.mean(x, 0));
    const s = read(tf.tidy(() => tf.sqrt(tf.moments(x, 0).variance)));
    x.dispose();
    expect(m[0]).toBeCloseTo(1, 1);
    expect(m[1]).toBeCloseTo(-2, 1);
    expect(s[0]).toBeCloseTo(0.5, 1);
    expect(s[1]).toBeCloseTo(3, 1);
    tf.dispose([p.mean, p.logScale]);
  });

  it('mixture of Gaussians: density integrates to 1 on a grid (1-D) and samples land on components', () => {
    const def = mixtureOfGaussians(1, 2);
    const p = {
      logits: tf.tensor1d([0, Math.log(3)]),
      means: tf.tensor2d([[-3], [2]]),
      logScales: tf.tensor2d([[0], [Math.log(0.5)]]),
    };
    const d = def.apply(p);
    const grid = tf.tidy(() => tf.reshape(tf.linspace(-12, 12, 4801), [4801, 1]) as tf.Tensor2D);
    const integral = read(tf.tidy(() => tf.mul(tf.sum(tf.exp(d.logProb(grid))), 24 / 4800)));
    grid.dispose();
    expect(integral[0]).toBeCloseTo(1, 3);
    const xs = read(tf.tidy(() => d.sample(4000, 1)));
    const right = xs.filter((v) => v > 0).length / xs.length;
    expect(right).toBeGreaterThan(0.72);
    expect(right).toBeLessThan(0.78);
    tf.dispose([p.logits, p.means, p.logScales]);
  });

  it('sampling is deterministic given a seed and does not leak', async () => {
    const d = mixtureOfGaussians(3, 4);
    const p = d.init(1);
    const a = read(tf.tidy(() => d.apply(p).sample(5, 11)));
    const b = read(tf.tidy(() => d.apply(p).sample(5, 11)));
    expect(a).toEqual(b);
    await expectNoLeaks(() => tf.tidy(() => d.apply(p).sample(5, 2)), 10);
    tf.dispose(Object.values(p));
  });
});

describe('seed 0 is a seed', () => {
  // tfjs's generators treat a falsy seed as "no seed" (`seed ? seed : Math.random()`): without
  // tfSeed, seed 0 would draw different numbers on every call.
  it('standardNormal, diagNormal and mixtureOfGaussians draw the same numbers for seed 0 twice', () => {
    const before = tf.memory().numTensors;
    const same = (draw: () => tf.Tensor) => {
      const a = tf.tidy(draw);
      const b = tf.tidy(draw);
      expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
      tf.dispose([a, b]);
    };
    same(() => standardNormal(3).apply([]).sample(16, 0));
    const d = diagNormal(3);
    const dp = d.init(0);
    same(() => d.apply(dp).sample(16, 0));
    disposeParams(dp);
    const m = mixtureOfGaussians(3, 2);
    same(() => {
      const p = m.init(0);
      const x = m.apply(p).sample(16, 0);
      disposeParams(p);
      return x;
    });
    expect(tfSeed(0)).not.toBe(0);
    expect(tfSeed(7)).toBe(7);
    expect(tfSeed(undefined)).toBeUndefined();
    expect(tf.memory().numTensors).toBe(before);
  });
});
