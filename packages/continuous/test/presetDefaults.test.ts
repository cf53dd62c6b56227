import { countParams, disposeParams, tf } from '@bijective/core';
import { describe, expect, it } from 'vitest';
import {
  FFJORD_EXACT_TRACE_UP_TO,
  defaultContinuousHidden,
  ffjord,
  flowMatching,
} from '../src/index.js';

describe('continuous preset defaults follow the dimension', () => {
  it('defaultContinuousHidden: [64, 64, 64] below dimension 32, [256, 256, 256] from 32', () => {
    expect(defaultContinuousHidden(2)).toEqual([64, 64, 64]);
    expect(defaultContinuousHidden(31)).toEqual([64, 64, 64]);
    expect(defaultContinuousHidden(32)).toEqual([256, 256, 256]);
    expect(defaultContinuousHidden(64)).toEqual([256, 256, 256]);
  });

  for (const [name, preset] of Object.entries({ ffjord, flowMatching }))
    it(`${name}: default hidden is defaultContinuousHidden(dim); an explicit hidden wins`, () => {
      for (const dim of [2, 31, 32])
        expect(preset({ dim }).config['hidden']).toEqual(defaultContinuousHidden(dim));
      expect(preset({ dim: 40, hidden: [16] }).config['hidden']).toEqual([16]);
    });

  it("the README rows' parameter counts are the defaults' (flowMatching: moons 9,026, digits 166,208)", () => {
    for (const [dim, expected] of [
      [2, 9_026],
      [64, 166_208],
    ] as const) {
      const before = tf.memory().numTensors;
      const params = flowMatching({ dim }).init(0);
      expect(countParams(params)).toBe(expected);
      disposeParams(params);
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it(`ffjord: exact trace up to dimension ${FFJORD_EXACT_TRACE_UP_TO}, Hutchinson above; flowMatching always exact`, () => {
    expect(ffjord({ dim: 2 }).config['trace']).toBe('exact');
    expect(ffjord({ dim: FFJORD_EXACT_TRACE_UP_TO }).config['trace']).toBe('exact');
    expect(ffjord({ dim: FFJORD_EXACT_TRACE_UP_TO + 1 }).config['trace']).toBe('hutchinson');
    expect(ffjord({ dim: 2, trace: 'hutchinson' }).config['trace']).toBe('hutchinson');
    expect(flowMatching({ dim: 40 }).config['trace']).toBe('exact');
  });

  it('exact(): the same flow and widths with the exact trace, everything else kept', () => {
    const def = ffjord({
      dim: 12,
      hidden: [8],
      solver: { kind: 'rk4', steps: 4 },
      probe: 'gaussian',
    });
    const exact = def.exact?.();
    expect(exact?.name).toBe('ffjord');
    expect(exact?.config).toEqual({ ...def.config, trace: 'exact' });
    // Defaults resolved by dimension stay those of the original (not re-derived).
    expect(ffjord({ dim: 40 }).exact?.().config['hidden']).toEqual([256, 256, 256]);
  });
});
