import { afterEach, describe, expect, it } from 'vitest';
import { registry, tf } from '../src/index.js';
import {
  type Mutation,
  type RegistryEntry,
  type Shape,
  biasLogDet,
  checkBijection,
  checkEntry,
  flipLogDetSign,
  flowAsTransform,
  leakTensors,
  mutateFlow,
  mutateTransform,
  offsetInverse,
} from '../src/testing/index.js';

// The checker, itself tested: every core registry entry, rewritten with a planted bug, must be
// rejected by checkBijection (default options, the entry's own check options), and rejected for
// the right reason. The unmutated entries pass (registry.test.ts), so each rejection is the bug's.

const checkMutant = (entry: RegistryEntry, shape: Shape, mutation: Mutation): void => {
  const def =
    entry.kind === 'flow'
      ? flowAsTransform(mutateFlow(entry.build(shape), mutation))
      : mutateTransform(entry.build(shape), mutation);
  checkBijection(def, { ...entry.check, dim: shape.dim, contextDim: shape.contextDim });
};

// One case per entry at its largest dim: core's entries are all unconditional.
const cases = Object.entries(registry).map(([name, entry]) => ({
  name,
  entry,
  shape: { dim: entry.dims[entry.dims.length - 1]!, contextDim: 0 },
}));
// Permutations have log-det 0, whose sign cannot be wrong.
const volumePreserving = new Set(['reversePermutation', 'randomPermutation']);

describe('checkBijection rejects planted bugs in every core entry', () => {
  const leaked: tf.Tensor[] = [];
  afterEach(() => {
    tf.dispose(leaked);
    leaked.length = 0;
  });

  for (const { name, entry, shape } of cases) {
    describe(`${name} dim=${shape.dim}`, () => {
      it('passes unmutated (the baseline the mutants are measured against)', () =>
        checkEntry(entry, shape));

      it.skipIf(volumePreserving.has(name))(
        '(a) log-det sign flipped in forward only: caught by logDet_inverse = -logDet_forward',
        () =>
          expect(() => checkMutant(entry, shape, flipLogDetSign('forward'))).toThrow(
            /checkBijection: inverse log-det: row \d+: .* but minus the forward one is/,
          ),
      );

      it.skipIf(volumePreserving.has(name))(
        '(a) log-det sign flipped consistently in both directions: caught by the brute-force Jacobian',
        () =>
          expect(() => checkMutant(entry, shape, flipLogDetSign('both'))).toThrow(
            /checkBijection: forward log-det: row \d+: returned .*, brute force/,
          ),
      );

      it('(b) log-det biased by 1e-3 per coordinate, consistently: caught by the brute-force Jacobian', () =>
        expect(() => checkMutant(entry, shape, biasLogDet(1e-3))).toThrow(
          /checkBijection: forward log-det: row \d+: returned .*, brute force/,
        ));

      it('(c) an inverse off by 0.01: caught by the round trip', () =>
        expect(() => checkMutant(entry, shape, offsetInverse(0.01))).toThrow(
          /checkBijection: round trip: row \d+ col \d+/,
        ));

      it('(d) a forward pass that leaks a tensor: caught by the leak check', () => {
        expect(() => checkMutant(entry, shape, leakTensors(leaked))).toThrow(
          /checkBijection: tensor leak: \d+ tensors left behind/,
        );
        expect(leaked.length).toBeGreaterThan(0);
      });
    });
  }
});
