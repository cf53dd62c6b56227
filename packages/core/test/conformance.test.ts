import { describe, expect, it } from 'vitest';
import { tf } from '../src/index.js';
import { registry } from '../src/testing/index.js';
import { compareFingerprints, conformanceCases, flowFingerprint } from '../src/testing/index.js';

describe('conformance helpers', () => {
  const cases = conformanceCases({ core: registry });

  it('lists every flow preset of a registry', () => {
    expect(cases.map((c) => c.name)).toEqual([
      'core/diagonalGaussianFlow dim=2',
      'core/splineMixtureFlow dim=2',
    ]);
  });

  it('a fingerprint is reproducible on one backend and leaks nothing', () => {
    for (const c of cases) {
      const def = c.entry.build(c.shape);
      const before = tf.memory().numTensors;
      const a = flowFingerprint(def);
      const b = flowFingerprint(def);
      expect(tf.memory().numTensors).toBe(before);
      expect(compareFingerprints(a, b)).toEqual([]);
      expect(a.gradients.length).toBeGreaterThan(0);
    }
  });

  it('catches a wrong value, a wrong sample and a wrong gradient', () => {
    const def = cases[1]!.entry.build(cases[1]!.shape);
    const ref = flowFingerprint(def);
    const bad = {
      ...ref,
      logProb: ref.logProb.map((v, i) => (i === 2 ? v * (1 + 1e-3) : v)),
      samples: ref.samples.map((v, i) => (i === 0 ? v + 0.01 : v)),
      gradients: ref.gradients.map((g, j) =>
        j === 0 ? g.map((v, i) => (i === 0 ? v + 0.1 * Math.max(...g.map(Math.abs)) : v)) : g,
      ),
    };
    const problems = compareFingerprints(ref, bad);
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^logProb\[2\]/);
    expect(problems[1]).toMatch(/^samples\[0\]/);
    expect(problems[2]).toMatch(/^gradient '/);
  });
});
