import { beforeAll, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { useBackend } from '@bijective/core';
import {
  checkConformance,
  checkEntry,
  conformanceCases,
  registriesOf,
  registry as core,
  registryCases,
} from '@bijective/core/testing';
import { loadFamilies } from '@bijective/core/node';
import { wasmBackend } from '../src/index.js';

// The flow families are this package's dependencies that declare `"bijective": { "family" }`
// (core's `familyPackages`): a new family package is picked up by depending on it here.
const registries = {
  core,
  ...registriesOf(
    await loadFamilies(new URL('../package.json', import.meta.url), (s) => import(s)),
  ),
};

// Every preset of every flow package, on wasm against the cpu reference: log-densities and samples
// to relative 1e-4, parameter gradients to 1e-3 of each tensor's largest entry, the shared checker
// once on wasm, and no leaked tensor.
describe('conformance: wasm against cpu', () => {
  beforeAll(async () => {
    const r = await useBackend(wasmBackend())();
    if (E.isLeft(r)) throw r.left;
  });
  for (const c of conformanceCases(registries)) {
    it(c.name, async () => expect(await checkConformance(c.entry, c.shape, 'wasm')).toEqual([]));
  }
});

// Every transform and preset of every registry through the shared checker on wasm (one
// property-based case each; the cpu suites run more).
describe('the shared checker on wasm: every registry entry', () => {
  beforeAll(async () => {
    const r = await useBackend(wasmBackend())();
    if (E.isLeft(r)) throw r.left;
  });
  for (const [pkg, registry] of Object.entries(registries))
    for (const c of registryCases(registry))
      it(`${pkg}/${c.name}`, () => checkEntry(c.entry, c.shape, { numRuns: 1 }));
});
