import { describe, expect, it } from 'vitest';
import { disposeParams, tf } from '../src/index.js';
import { registry } from '../src/testing/index.js';
import {
  type RegistryEntry,
  type RegistryIntegrationOptions,
  checkIntegratesToOne,
  densityIntegral,
  flipLogDetSign,
  integratesToOne,
  integrationCases,
  mutateFlow,
} from '../src/testing/index.js';

// Spline presets on a coarser grid: tfjs-cpu's 3-D slices make one spline row cost ~0.2 ms, so
// 401² rows take ~35 s and 161² ~5 s. At h = 0.075 the rule's error on these C¹ densities (O(h²))
// stays far below the 1e-2 tolerance.
const grid: Readonly<Record<string, RegistryIntegrationOptions>> = {
  splineMixtureFlow: { points: 161, sensitivity: 61 },
};

// After 20 Adam steps on two moons, the density integrates to 1 within 1e-2 on [-6, 6]²
// (and, with its log-det negated, would not: see integratesToOne).
describe("every 2-D core preset's density integrates to one (cpu)", () => {
  for (const c of integrationCases(registry))
    it(c.name, () => checkIntegratesToOne(c.entry, c.shape, grid[c.preset]));
});

describe('integratesToOne, itself tested', () => {
  const gaussian = registry['diagonalGaussianFlow'] as RegistryEntry & { kind: 'flow' };
  const shape = { dim: 2, contextDim: 0 };

  it('rejects a log-det whose sign is flipped consistently in both directions', () => {
    const mutant = {
      ...gaussian,
      build: () => mutateFlow(gaussian.build(shape), flipLogDetSign('both')),
    };
    expect(() => checkIntegratesToOne(mutant, shape)).toThrow(/^integratesToOne: ∫p = /);
  });

  it('refuses to vouch for a flow too close to volume-preserving to show a wrong sign', () => {
    // At its initialisation the flow is the identity over N(0, I): every log-det is 0.
    const def = gaussian.build(shape);
    const params = def.init(0);
    const before = tf.memory().numTensors;
    expect(densityIntegral(def, params)).toBeCloseTo(1, 6);
    expect(() => integratesToOne(def, params)).toThrow(/^integratesToOne: insensitive: /);
    expect(tf.memory().numTensors).toBe(before);
    disposeParams(params);
  });
});
