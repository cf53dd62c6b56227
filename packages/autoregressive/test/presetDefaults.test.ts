import { describe, expect, it } from 'vitest';
import { defaultHidden } from '@bijective/core/presets';
import { iaf, maf, mafSpline } from '../src/index.js';

describe('default MADE widths follow the dimension (core defaultHidden: [64, 64] below 32, [128, 128] from 32)', () => {
  for (const [name, preset] of Object.entries({ maf, iaf, mafSpline }))
    it(`${name}: default hidden is defaultHidden(dim); an explicit hidden wins`, () => {
      for (const dim of [2, 31, 32, 40])
        expect(preset({ dim }).config['hidden']).toEqual(defaultHidden(dim));
      expect(preset({ dim: 40, hidden: [16] }).config['hidden']).toEqual([16]);
    });
});
