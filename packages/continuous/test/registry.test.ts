import { checkEntry, registryCases } from '@bijective/core/testing';
import { describe, it } from 'vitest';
import { registry } from '../src/testing.js';

// Every transform and preset of the package through the core's shared checker:
// round trip, brute-force float64 log-det of the autodiff Jacobian (both
// directions), inverse log-det antisymmetry, finite parameter gradients,
// context dependence and no leaks. Tolerances are explained in src/registry.ts.
describe('registry through the shared checker', () => {
  for (const c of registryCases(registry)) {
    it(c.name, () => checkEntry(c.entry, c.shape));
  }
});
