import * as E from 'fp-ts/lib/Either.js';
import { AbortedError, disposeParams, tf } from '@bijective/core';
import { describe, expect, it } from 'vitest';
import { distill, iaf, maf } from '../src/index.js';

const teacher = maf({ dim: 2, transforms: 1, hidden: [8] });
const student = iaf({ dim: 2, transforms: 1, hidden: [8] });

describe('distill validates the shared training options and honours an AbortSignal', () => {
  it.each([
    ['clipGradNorm', { clipGradNorm: -1 }],
    ['epsilon', { epsilon: 0 }],
    ['beta1', { beta1: 2 }],
    ['seed', { seed: 0.5 }],
    ['batchSize', { batchSize: 0 }],
  ] as const)('bad %s is a Left naming it', async (name, options) => {
    const params = teacher.init(0);
    const r = await distill(teacher, params, student, options);
    disposeParams(params);
    expect(E.isLeft(r) && r.left.argument).toBe(`options.${name}`);
  });

  it('an aborted signal returns AbortedError with the student so far, leaking nothing', async () => {
    const params = teacher.init(0);
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const r = await distill(teacher, params, student, {
      steps: 1000,
      batchSize: 32,
      progressEvery: 5,
      signal: controller.signal,
      onProgress: ({ step }) => {
        if (step === 10) controller.abort();
      },
    });
    expect(E.isLeft(r) && r.left instanceof AbortedError && r.left.steps).toBe(10);
    if (E.isLeft(r) && r.left instanceof AbortedError) disposeParams(r.left.params);
    expect(tf.memory().numTensors).toBe(before);
    disposeParams(params);
  });
});
