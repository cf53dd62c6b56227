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
import { nativeBackend } from '../src/index.js';

// The flow families are this package's dependencies that declare `"bijective": { "family" }`
// (core's `familyPackages`): a new family package is picked up by depending on it here.
const registries = {
  core,
  ...registriesOf(
    await loadFamilies(new URL('../package.json', import.meta.url), (s) => import(s)),
  ),
};

// Every preset of every flow package, on the native backend against the cpu reference: log-densities
// and samples to relative 1e-4, parameter gradients to 1e-3 of each tensor's largest entry, the shared
// checker once on native, and no leaked tensor. Skipped only when the addon could not be built here.
const ready = await useBackend(nativeBackend())();
const skipReason = E.isLeft(ready) ? ready.left.message : undefined;

describe.skipIf(skipReason !== undefined)('conformance: native against cpu', () => {
  beforeAll(async () => {
    const r = await useBackend(nativeBackend())();
    if (E.isLeft(r)) throw r.left;
  });
  for (const c of conformanceCases(registries)) {
    it(c.name, async () => expect(await checkConformance(c.entry, c.shape, 'native')).toEqual([]));
  }
});
// Every transform and preset of every registry through the shared checker on native (one
// property-based case each; the cpu suites run more).
describe.skipIf(skipReason !== undefined)(
  'the shared checker on native: every registry entry',
  () => {
    beforeAll(async () => {
      const r = await useBackend(nativeBackend())();
      if (E.isLeft(r)) throw r.left;
    });
    for (const [pkg, registry] of Object.entries(registries))
      for (const c of registryCases(registry))
        it(`${pkg}/${c.name}`, () => checkEntry(c.entry, c.shape, { numRuns: 1 }));
  },
);
if (skipReason !== undefined) console.warn(`native conformance skipped: ${skipReason}`);
