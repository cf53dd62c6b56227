import { describe, expect, it } from 'vitest';
import { disposeParams, encodeFlow } from '@bijective/core';
import { hostileConfigRefusal } from '@bijective/core/testing';
import { maf, presets } from '../src/index.js';

// A saved config rewritten (and re-signed) to sizes that the preset must refuse before building anything.
describe('presets refuse hostile saved configs at once, without leaking', () => {
  const def = maf({ dim: 2, hidden: [8], transforms: 2 });
  const params = def.init(0);
  const saved = encodeFlow(def, params);
  disposeParams(params);
  const cases: [string, (c: Record<string, unknown>) => void, RegExp][] = [
    // Unbounded, transforms 1e5 took 11 s and hidden [1e5, 1e5] ran the process out of memory.
    ['transforms 1e9', (c) => (c['transforms'] = 1e9), /options\.transforms/],
    ['transforms 1e5', (c) => (c['transforms'] = 1e5), /options\.transforms/],
    ['transforms 2.5', (c) => (c['transforms'] = 2.5), /options\.transforms/],
    ['hidden [1e5, 1e5]', (c) => (c['hidden'] = [1e5, 1e5]), /a flow of at most/],
    ['dim 1e9', (c) => (c['dim'] = 1e9), /a flow of at most/],
    ['200 hidden layers', (c) => (c['hidden'] = Array(200).fill(1)), /hidden layers/],
  ];
  for (const [name, edit, pattern] of cases)
    it(name, () => expect(hostileConfigRefusal(presets, saved, edit)).toMatch(pattern));
});
