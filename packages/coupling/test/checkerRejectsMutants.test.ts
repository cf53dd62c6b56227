import { afterEach, describe, expect, it } from 'vitest';
import { tf } from '@bijective/core';
import {
  type Mutation,
  biasLogDet,
  checkBijection,
  checkEntry,
  flipLogDetSign,
  ignoreContext,
  leakTensors,
  mutateTransform,
  offsetInverse,
} from '@bijective/core/testing';
import { registry } from '../src/index.js';

// The shared checker, tested on a conditional coupling layer: an affine coupling (dim 2, context 3)
// rewritten with each planted bug must be rejected, for the right reason. Unmutated, it passes.
const entry = registry['affineCoupling']!;
const shape = { dim: 2, contextDim: 3 };

const checkMutant = (mutation: Mutation): void => {
  if (entry.kind !== 'transform') throw new Error('affineCoupling is a transform entry');
  checkBijection(mutateTransform(entry.build(shape), mutation), { ...entry.check, ...shape });
};

describe('checkBijection rejects planted bugs in a conditional affine coupling', () => {
  const leaked: tf.Tensor[] = [];
  afterEach(() => {
    tf.dispose(leaked);
    leaked.length = 0;
  });

  it('passes unmutated', () => checkEntry(entry, shape));

  it('(a) log-det sign flipped in forward only', () =>
    expect(() => checkMutant(flipLogDetSign('forward'))).toThrow(
      /checkBijection: inverse log-det: row \d+: .* but minus the forward one is/,
    ));

  it('(a) log-det sign flipped consistently in both directions', () =>
    expect(() => checkMutant(flipLogDetSign('both'))).toThrow(
      /checkBijection: forward log-det: row \d+: returned .*, brute force/,
    ));

  it('(b) log-det biased by 1e-3 per coordinate', () =>
    expect(() => checkMutant(biasLogDet(1e-3))).toThrow(
      /checkBijection: forward log-det: row \d+: returned .*, brute force/,
    ));

  it('(c) an inverse off by 0.01', () =>
    expect(() => checkMutant(offsetInverse(0.01))).toThrow(/checkBijection: round trip: row \d+/));

  it('(d) a forward pass that leaks a tensor', () => {
    expect(() => checkMutant(leakTensors(leaked))).toThrow(
      /checkBijection: tensor leak: \d+ tensors left behind/,
    );
    expect(leaked.length).toBeGreaterThan(0);
  });

  it('(e) a conditional layer that ignores its context', () =>
    expect(() => checkMutant(ignoreContext)).toThrow(
      /checkBijection: context: changing the context does not change the output/,
    ));
});
