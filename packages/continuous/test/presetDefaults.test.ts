import { describe, expect, it } from 'vitest';
import { defaultHidden } from '@bijective/core/presets';
import { ffjord, flowMatching } from '../src/index.js';

describe('default dynamics widths follow the dimension (core defaultHidden)', () => {
  for (const [name, preset] of Object.entries({ ffjord, flowMatching }))
    it(`${name}: default hidden is defaultHidden(dim); an explicit hidden wins`, () => {
      for (const dim of [2, 31, 32])
        expect(preset({ dim }).config['hidden']).toEqual(defaultHidden(dim));
      expect(preset({ dim: 40, hidden: [16] }).config['hidden']).toEqual([16]);
    });
});
