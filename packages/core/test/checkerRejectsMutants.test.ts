import { afterEach, describe, expect, it } from 'vitest';
import { tf } from '../src/index.js';
import { registry } from '../src/testing/index.js';
import {
  type RegistryEntry,
  type Shape,
  checkBijection,
  checkEntry,
  flowAsTransform,
  mutateFlow,
  mutateTransform,
  plantedBugs,
} from '../src/testing/index.js';

// The checker, itself tested: every core registry entry, rewritten with each planted bug (log-det
// sign flipped in forward only / in both directions, log-det biased by 1e-3 per coordinate, inverse
// off by 0.01, a tensor leaked per forward pass), must be rejected by checkBijection with the
// entry's own options, and for the right reason (the property that guards against that bug).
// Core's entries are unconditional; the context-ignored bug is planted in coupling's and
// autoregressive's conditional entries (their checkerBlindSpots tests).
const leaked: tf.Tensor[] = [];
const bugs = plantedBugs(leaked);

const checkMutant = (entry: RegistryEntry, shape: Shape, bug: (typeof bugs)[number]): void => {
  const def =
    entry.kind === 'flow'
      ? flowAsTransform(mutateFlow(entry.build(shape), bug.mutation))
      : mutateTransform(entry.build(shape), bug.mutation);
  checkBijection(def, { ...entry.check, dim: shape.dim, contextDim: shape.contextDim });
};

// Permutations have log-det 0, whose sign cannot be wrong.
const volumePreserving = new Set(['reversePermutation', 'randomPermutation']);

describe('checkBijection rejects planted bugs in every core entry', () => {
  afterEach(() => {
    tf.dispose(leaked);
    leaked.length = 0;
  });

  for (const [name, entry] of Object.entries(registry)) {
    const shape = { dim: entry.dims[entry.dims.length - 1]!, contextDim: 0 };
    describe(`${name} dim=${shape.dim}`, () => {
      it('passes unmutated (the baseline the mutants are measured against)', () =>
        checkEntry(entry, shape));
      for (const bug of bugs) {
        if (bug.needsContext || (bug.needsLogDet && volumePreserving.has(name))) continue;
        it(`${bug.name}: rejected (${bug.caughtBy.source.split(':')[1]!.trim()})`, () =>
          expect(() => checkMutant(entry, shape, bug)).toThrow(bug.caughtBy));
      }
    });
  }
});
