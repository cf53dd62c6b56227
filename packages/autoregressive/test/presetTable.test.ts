import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '@bijective/core';
import { presets } from '../src/index.js';

// Configs a file or a user could give: each must be a Left naming a field, never a throw.
const refused: readonly JsonObject[] = [
  {},
  { dim: 'two' },
  { dim: -1 },
  { dim: 2, hidden: [8, 'x'] },
  { dim: 2, hidden: 8 },
  { dim: 2, contextDim: 0.5 },
  { dim: 2, orderings: 'sideways' },
  { dim: 2, residual: 'yes' },
  { dim: 2, transforms: 1e9 },
  { dim: 2, init: 'zeros' },
];

describe("presets (core's Presets): total on JSON configs", () => {
  for (const name of Object.keys(presets))
    it(`${name}: every refused config is a Left(ValueError) naming an option`, () => {
      for (const config of refused) {
        const r = presets[name]!(config);
        expect(
          E.isLeft(r) ? [r.left.kind, r.left.argument?.startsWith('options.')] : config,
        ).toEqual(['ValueError', true]);
      }
    });

  for (const name of Object.keys(presets))
    it(`${name}: a valid config builds, and its saved config rebuilds it`, () => {
      const r = presets[name]!({ dim: 2, hidden: [4] });
      if (E.isLeft(r)) throw r.left;
      const again = presets[name]!(JSON.parse(JSON.stringify(r.right.config)));
      expect(E.isRight(again) && again.right.config).toEqual(r.right.config);
    });
});
