/**
 * `@bijective/coupling/testing`: this family's registry for core's shared
 * checker and the conformance suites, and its {@link Family} declaration.
 */
import type { Family } from '@bijective/core/testing';
import { presets } from './presets.js';
import { registry } from './registry.js';

export { registry };

/** The coupling family: its presets and registry (found through `"bijective": { "family" }` in package.json). */
export const family: Family = { name: 'coupling', presets, registry };
