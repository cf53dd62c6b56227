import { describe, it } from 'vitest';
import {
  type RegistryIntegrationOptions,
  checkIntegratesToOne,
  integrationCases,
} from '@bijective/core/testing';
import { registry } from '../src/testing.js';

// Spline presets on a coarser grid: tfjs-cpu's 3-D slices make one spline row cost ~0.2 ms, so
// 401² rows take ~35 s and 161² ~5 s. At h = 0.075 the rule's error on these C¹ densities (O(h²))
// stays far below the 1e-2 tolerance.
const grid: Readonly<Record<string, RegistryIntegrationOptions>> = {
  mafSpline: { points: 161, sensitivity: 61 },
};

// After 20 Adam steps on two moons, the density integrates to 1 within 1e-2 on [-6, 6]² (core's
// helper; it also checks that the flow is far enough from volume-preserving that a log-det with
// the wrong sign would not integrate to 1).
describe("every 2-D autoregressive preset's density integrates to one (cpu)", () => {
  for (const c of integrationCases(registry))
    it(c.name, () => checkIntegratesToOne(c.entry, c.shape, grid[c.preset]));
});
