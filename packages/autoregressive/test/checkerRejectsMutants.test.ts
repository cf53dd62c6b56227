import { describe, expect, it } from 'vitest';
import { checkerBlindSpots, registryCases } from '@bijective/core/testing';
import { registry } from '../src/testing.js';

// The shared checker, itself tested on every autoregressive entry: each planted bug (log-det sign flipped
// in forward only / both directions, log-det biased by 1e-3 per coordinate, inverse off by 0.01, a
// leaked tensor, context ignored) must be rejected for the right reason. [] = no blind spot.
describe('the shared checker has no blind spot on any autoregressive entry (cpu)', () => {
  for (const c of registryCases(registry))
    it(c.name, () => expect(checkerBlindSpots(c.entry, c.shape)).toEqual([]));
});
