import { describe, expect, it } from 'vitest';
import type { JsonObject } from '@bijective/core';
import { presetTableProblems } from '@bijective/core/testing';
import { presets } from '../src/index.js';

describe("presets (core's Presets): total on JSON configs", () => {
  it('every refused config is a Left(ValueError) naming an option; a saved config rebuilds', () => {
    // Besides core's COMMON_REFUSED_CONFIGS, what this family's own options can get wrong.
    const refused: readonly JsonObject[] = [
      { dim: 2, transforms: 1e9 },
      { dim: 2, orderings: 'sideways' },
      { dim: 2, residual: 'yes' },
      { dim: 2, init: 'zeros' },
    ];
    expect(presetTableProblems(presets, { refused })).toEqual([]);
  });
});
