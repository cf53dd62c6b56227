import { presetOrThrow } from '@bijective/core/testing';
import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import {
  type FlowDef,
  type Params,
  countParams,
  decodeFlow,
  disposeParams,
  encodeFlow,
  logProb,
} from '@bijective/core';
import { defaultHidden } from '@bijective/core/presets';
import { glow, nice, nsfCoupling, presets, realNVP } from '../src/index.js';

const all = { nice, realNVP, glow, nsfCoupling } as const;

const layers = (def: FlowDef<Params>): number => {
  const p = def.init(0);
  const n = ((p as { transform: Params[] }).transform as Params[]).length;
  disposeParams(p);
  return n;
};

describe('one name for the number of layers: transforms (steps a deprecated alias)', () => {
  for (const [name, preset] of Object.entries(all)) {
    it(`${name}: transforms sets the layers; steps still works; both must agree`, () => {
      const a = preset({ dim: 3, transforms: 3, hidden: [8] });
      const b = preset({ dim: 3, steps: 3, hidden: [8] });
      const c = preset({ dim: 3, transforms: 2, hidden: [8] });
      expect(a.config).toEqual(b.config);
      expect(a.config['transforms']).toBe(3);
      expect('steps' in a.config).toBe(false);
      expect(layers(a)).toBeGreaterThan(layers(c));
      expect(preset({ dim: 3, transforms: 3, steps: 3, hidden: [8] }).config).toEqual(a.config);
      expect(() => preset({ dim: 3, transforms: 3, steps: 2, hidden: [8] })).toThrow(
        /options\.steps: expected absent or equal to options\.transforms \(3\)/,
      );
    });
  }

  it('a config saved with steps (before the rename) still loads and gives the same log-densities', () => {
    const def = realNVP({ dim: 2, transforms: 2, hidden: [8] });
    const params = def.init(4);
    const { manifest, weightData } = encodeFlow(def, params);
    const { transforms, ...rest } = def.config;
    const old = presetOrThrow(presets, 'realNVP', { ...rest, steps: transforms! });
    const loaded = decodeFlow(old, manifest, weightData);
    if (E.isLeft(loaded)) throw loaded.left;
    const x = [
      [0.3, -1.2],
      [2, 0.5],
    ];
    const a = logProb(def, params, x);
    const b = logProb(old, loaded.right, x);
    if (E.isLeft(a) || E.isLeft(b)) throw new Error('logProb failed');
    expect(Array.from(b.right.dataSync())).toEqual(Array.from(a.right.dataSync()));
    [a.right, b.right].forEach((t) => t.dispose());
    [params, loaded.right].forEach(disposeParams);
  });
});

describe('default hidden widths follow the dimension (core defaultHidden: [64, 64] below 32, [128, 128] from 32)', () => {
  it('is the rule the benchmark uses', () => {
    expect(defaultHidden(2)).toEqual([64, 64]);
    expect(defaultHidden(31)).toEqual([64, 64]);
    expect(defaultHidden(32)).toEqual([128, 128]);
    expect(defaultHidden(64)).toEqual([128, 128]);
  });

  for (const [name, preset] of Object.entries(all))
    it(`${name}: default hidden is defaultHidden(dim); an explicit hidden wins`, () => {
      for (const dim of [2, 31, 32, 40])
        expect(preset({ dim }).config['hidden']).toEqual(defaultHidden(dim));
      expect(preset({ dim: 40, hidden: [16] }).config['hidden']).toEqual([16]);
    });

  it('realNVP in 2-D keeps the reference protocol size (22,090 parameters)', () => {
    const p = realNVP({ dim: 2 }).init(0);
    expect(countParams(p)).toBe(22_090);
    disposeParams(p);
  });
});
