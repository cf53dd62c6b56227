import * as E from 'fp-ts/lib/Either.js';
import { AbortedError, disposeParams, tf } from '@bijective/core';
import { twoMoons } from '@bijective/core/datasets';
import { describe, expect, it } from 'vitest';
import { ffjord, fitFfjord, fitFlowMatching, flowMatching } from '../src/index.js';

const rows = twoMoons(256, { seed: 0 });

describe('continuous training loops validate the shared options and honour an AbortSignal', () => {
  it.each([
    ['clipGradNorm', { clipGradNorm: -1 }],
    ['epsilon', { epsilon: Number.NaN }],
    ['beta2', { beta2: 1 }],
    ['patience', { patience: -1 }],
    ['seed', { seed: 0.5 }],
  ] as const)(
    'bad %s: fitFlowMatching and fitFfjord return a Left naming it',
    async (name, options) => {
      const fm = await fitFlowMatching(flowMatching({ dim: 2, hidden: [8] }), rows, options);
      expect(E.isLeft(fm) && fm.left.argument).toBe(`options.${name}`);
      const ff = await fitFfjord(ffjord({ dim: 2, hidden: [8] }), rows, options);
      expect(E.isLeft(ff) && ff.left.argument).toBe(`options.${name}`);
    },
  );

  it('fitFlowMatching stops on an aborted signal with the parameters so far, leaking nothing', async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const r = await fitFlowMatching(flowMatching({ dim: 2, hidden: [8] }), rows, {
      steps: 1000,
      batchSize: 64,
      progressEvery: 5,
      signal: controller.signal,
      onProgress: ({ step }) => {
        if (step === 20) controller.abort();
      },
    });
    expect(E.isLeft(r) && r.left instanceof AbortedError && r.left.steps).toBe(20);
    if (E.isLeft(r) && r.left instanceof AbortedError) disposeParams(r.left.params);
    expect(tf.memory().numTensors).toBe(before);
  });
});
