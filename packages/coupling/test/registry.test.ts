import { describe, it } from 'vitest';
import { checkEntry, registryCases } from '@bijective/core/testing';
import { registry } from '../src/testing.js';

// Every transform and preset, dims 1-5 as the entry allows, with and without a 3-wide context:
// round trip, log-det against a float64 brute-force Jacobian (both directions), inverse log-det =
// -forward, finite parameter gradients, context used, no leaks (core's checker, default tolerances).
describe('every coupling transform and preset passes the shared checker (cpu)', () => {
  for (const c of registryCases(registry)) it(c.name, () => checkEntry(c.entry, c.shape));
});
