import { presetOrThrow } from '@bijective/core/testing';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import {
  type Batch,
  type FlowDef,
  type Params,
  BijectiveError,
  countParams,
  decodeFlow,
  disposeParams,
  encodeFlow,
  sample,
  standardNormalLogProb,
  tf,
} from '@bijective/core';
import { LOG_SCALE_BOUND, softClamp } from '@bijective/core/nn';
import { mapParams } from '@bijective/core/params';
import { glow, nice, nsfCoupling, presets, realNVP } from '../src/index.js';
import { alternatingMask, couplingMask, halfMask, randomMask } from '../src/layers.js';

const readScalarRows = (f: () => tf.Tensor): number[] => {
  const t = tf.tidy(f);
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
};

describe('presets', () => {
  it('realNVP defaults match the reference protocol: 5 couplings, [64, 64], 22,090 parameters in 2-D', () => {
    const def = realNVP({ dim: 2 });
    expect(def.config).toEqual({
      dim: 2,
      contextDim: 0,
      transforms: 5,
      hidden: [64, 64],
      activation: 'relu',
      mask: 'alternating',
      structureSeed: 0,
    });
    const p = def.init(0);
    expect(countParams(p)).toBe(22_090);
    expect((p.transform as Params[]).length).toBe(5);
    disposeParams(p);
  });

  it('nsfCoupling defaults: 8 bins on [-5, 5]', () => {
    expect(nsfCoupling({ dim: 2 }).config).toMatchObject({
      bins: 8,
      bound: 5,
      transforms: 5,
      hidden: [64, 64],
    });
  });

  const all = { nice, realNVP, glow, nsfCoupling } as const;
  for (const [name, preset] of Object.entries(all)) {
    it(`${name}: the JSON config rebuilds the same flow through the presets map`, () => {
      const def = preset({
        dim: 3,
        contextDim: 2,
        steps: 2,
        hidden: [8],
        mask: 'random',
        structureSeed: 4,
      });
      expect(def.name).toBe(name);
      const rebuilt = presetOrThrow(presets, name, JSON.parse(JSON.stringify(def.config)));
      expect(rebuilt.config).toEqual(def.config);
      const p = mapParams(def.init(1), (t) =>
        tf.tidy(() => tf.add(t, tf.randomNormal(t.shape, 0, 0.2, 'float32', 5))),
      );
      expect(countParams(rebuilt.init(0) as Params)).toBe(countParams(p));
      const x = tf.randomNormal([6, 3], 0, 1, 'float32', 2) as Batch;
      const c = tf.randomNormal([6, 2], 0, 1, 'float32', 3) as Batch;
      const a = readScalarRows(() => def.apply(p).logProb(x, c));
      const b = readScalarRows(() => (rebuilt as FlowDef<typeof p>).apply(p).logProb(x, c));
      expect(b).toEqual(a);
      tf.dispose([x, c]);
      disposeParams(p);
    });

    it(`${name}: encode → JSON → rebuild from config → decode gives identical log-probs`, () => {
      const def = preset({ dim: 2, contextDim: 1, steps: 2, hidden: [8] });
      const p = mapParams(def.init(3), (t) =>
        tf.tidy(() => tf.add(t, tf.randomNormal(t.shape, 0, 0.2, 'float32', 6))),
      );
      const { manifest, weightData } = encodeFlow(def, p);
      const saved = JSON.parse(JSON.stringify(manifest)) as typeof manifest;
      const rebuilt = presetOrThrow(presets, saved.name, saved.config);
      const q = decodeFlow(rebuilt, saved, weightData);
      if (E.isLeft(q)) throw q.left;
      const x = tf.randomNormal([5, 2], 0, 1, 'float32', 2) as Batch;
      const c = tf.randomNormal([5, 1], 0, 1, 'float32', 3) as Batch;
      const a = readScalarRows(() => def.apply(p).logProb(x, c));
      const b = readScalarRows(() => rebuilt.apply(q.right).logProb(x, c));
      expect(b).toEqual(a);
      tf.dispose([x, c]);
      disposeParams(p);
      disposeParams(q.right);
    });

    it(`${name}: starts at the identity (log p = standard normal log-density)`, () => {
      const def = preset({ dim: 4, steps: 3, hidden: [8] });
      const p = def.init(7);
      const x = tf.randomNormal([5, 4], 0, 2, 'float32', 1) as Batch;
      const lp = readScalarRows(() => def.apply(p).logProb(x));
      const ref = readScalarRows(() => standardNormalLogProb(x));
      lp.forEach((v, i) => expect(Math.abs(v - ref[i]!)).toBeLessThanOrEqual(1e-5));
      x.dispose();
      disposeParams(p);
    });

    it(`${name}: every coordinate is transformed (two steps, perturbed parameters)`, () => {
      const def = preset({ dim: 5, steps: 2, hidden: [8] });
      const p = mapParams(def.init(2), (t) =>
        tf.tidy(() => tf.add(t, tf.randomNormal(t.shape, 0, 0.3, 'float32', 8))),
      );
      const change = readScalarRows(() => {
        const x = tf.randomNormal([16, 5], 0, 1, 'float32', 4) as Batch;
        const y = def.apply(p).bijection.forward(x).y;
        return tf.max(tf.abs(tf.sub(y, x)), 0);
      });
      change.forEach((d) => expect(d).toBeGreaterThan(1e-3));
      disposeParams(p);
    });
  }

  it('rejects invalid options with a ValueError', () => {
    const bad: (() => unknown)[] = [
      () => realNVP({ dim: 1 }),
      () => realNVP({ dim: 2, steps: 0 }),
      () => nice({ dim: 2, hidden: [0] }),
      () => glow({ dim: 2, contextDim: -1 }),
      () => realNVP({ dim: 2, activation: 'gelu' as 'relu' }),
      () => nsfCoupling({ dim: 2, bins: 1 }),
      () => nsfCoupling({ dim: 2, bound: 0 }),
    ];
    for (const f of bad) {
      expect(f).toThrow(BijectiveError);
      try {
        f();
      } catch (e) {
        expect((e as BijectiveError).kind).toBe('ValueError');
      }
    }
  });

  it('sampling cannot explode: realNVP with huge conditioner outputs still gives finite samples and densities', () => {
    const def = realNVP({ dim: 2, contextDim: 1, steps: 5, hidden: [8] });
    const p = mapParams(def.init(0), (t) =>
      tf.tidy(() => tf.add(t, tf.randomNormal(t.shape, 0, 100, 'float32', 1))),
    );
    const context = Array.from({ length: 64 }, (_, i) => [i - 32]);
    const xs = sample(def, p, 64, { seed: 3, context });
    if (E.isLeft(xs)) throw xs.left;
    const values = Array.from(xs.right.dataSync());
    xs.right.dispose();
    // Each layer's scale stays within (1e-3, 1e3); without the clamp, exp of conditioner outputs
    // ~1e3 overflows float32 in the first layer.
    expect(values.every(Number.isFinite)).toBe(true);
    disposeParams(p);
  });
});

describe('masks', () => {
  const partition = (m: {
    dim: number;
    conditioning: readonly number[];
    transformed: readonly number[];
  }) => [...m.conditioning, ...m.transformed].sort((a, b) => a - b);

  it('alternatingMask: even/odd, alternating with parity', () => {
    expect(alternatingMask(5, 0)).toEqual({ dim: 5, conditioning: [0, 2, 4], transformed: [1, 3] });
    expect(alternatingMask(5, 1)).toEqual({ dim: 5, conditioning: [1, 3], transformed: [0, 2, 4] });
  });

  it('halfMask and randomMask partition the coordinates into non-empty halves', () => {
    expect(halfMask(5, false)).toEqual({ dim: 5, conditioning: [0, 1], transformed: [2, 3, 4] });
    for (const d of [2, 3, 8]) {
      const m = randomMask(d, 9);
      expect(partition(m)).toEqual(Array.from({ length: d }, (_, i) => i));
      expect(m.conditioning.length).toBe(Math.floor(d / 2));
      expect(randomMask(d, 9)).toEqual(m); // fixed by the seed
    }
  });

  it('couplingMask validates; dim < 2 throws', () => {
    expect(E.isRight(couplingMask([true, false]))).toBe(true);
    expect(E.isLeft(couplingMask([true, true]))).toBe(true);
    expect(() => alternatingMask(1, 0)).toThrow(BijectiveError);
  });
});

describe('softClamp', () => {
  it("is zuko's a / (1 + |a| / 6.9078): identity slope at 0, bounded by -log(1e-3)", () => {
    const a = [-1e6, -10, -1, 0, 1e-3, 1, 10, 1e6];
    const s = readScalarRows(() => softClamp(tf.tensor1d(a)));
    s.forEach((v, i) => {
      const expected = a[i]! / (1 + Math.abs(a[i]!) / LOG_SCALE_BOUND);
      expect(Math.abs(v - expected)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(expected)));
      expect(Math.abs(v)).toBeLessThan(LOG_SCALE_BOUND);
    });
    expect(LOG_SCALE_BOUND).toBeCloseTo(6.9078, 4);
    expect(s[4]).toBeCloseTo(1e-3, 6); // slope 1 at the origin
  });
});
