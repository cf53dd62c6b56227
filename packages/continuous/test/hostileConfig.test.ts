import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { disposeParams, encodeFlow, restoreFlow, tf } from '@bijective/core';
import { resignManifest } from '@bijective/core/testing';
import { ffjord, presets } from '../src/index.js';

// A saved config rewritten (and re-signed) to sizes a loader must refuse before building:
// without the bounds, hidden [1e5, 1e5] allocated ten billion weights (or threw half way, leaking).
describe('presets refuse hostile saved configs at once', () => {
  const def = ffjord({ dim: 2, hidden: [8] });
  const params = def.init(0);
  const { manifest, weightData } = encodeFlow(def, params);
  disposeParams(params);
  const cases: [string, (c: Record<string, unknown>) => void, RegExp][] = [
    ['hidden [1e5, 1e5]', (c) => (c['hidden'] = [1e5, 1e5]), /a flow of at most/],
    ['dim 1e9', (c) => (c['dim'] = 1e9), /a flow of at most/],
    ['200 hidden layers', (c) => (c['hidden'] = Array(200).fill(1)), /hidden layers/],
  ];
  for (const [name, edit, pattern] of cases) {
    it(name, () => {
      const before = tf.memory().numTensors;
      const t0 = performance.now();
      const r = restoreFlow(
        presets,
        resignManifest(manifest, weightData, (m) => edit(m.config)),
        weightData,
      );
      expect(performance.now() - t0).toBeLessThan(1_000);
      expect(E.isLeft(r) && r.left.kind).toBe('SerializationError');
      expect(E.isLeft(r) && r.left.message).toMatch(pattern);
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
