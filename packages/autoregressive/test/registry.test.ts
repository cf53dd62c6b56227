import { describe, it } from 'vitest';
import { checkEntry, registryCases } from '@bijective/core/testing';
import { registry } from '../src/testing.js';

// Core's shared checker on every entry × dims 2, 3, 5 × (no context, context of width 3):
// round trip, log-det against a float64 brute-force Jacobian (both directions, including the
// sequential ones), inverse log-det = -forward, finite parameter gradients, context matters, no leaks.
describe('every autoregressive transform and preset passes the shared checker (cpu)', () => {
  for (const c of registryCases(registry)) it(c.name, () => checkEntry(c.entry, c.shape));
});
