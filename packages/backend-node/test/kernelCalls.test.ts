import { beforeAll, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { type FlowDef, type Params, disposeParams, tf } from '@bijective/core';
import { FUSED_ADAM, FUSED_ADAM_MULTI } from '@bijective/core/backend';
import { adamInit, adamStep, disposeAdam, lossAndGrads } from '@bijective/core/training';
import { flattenParams, unflattenParams } from '@bijective/core/params';
import { presets as autoregressive } from '@bijective/autoregressive';
import { presets as coupling } from '@bijective/coupling';
import { SKIP_REASON, addonBuilt, setupNative } from './helpers.js';

/** Kernel calls the engine makes while `run` runs on `native`, by name (outermost only). */
const countKernels = (run: () => void): Map<string, number> => {
  const configs = tf.getKernelsForBackend('native');
  const originals = configs.map((c) => c.kernelFunc);
  const counts = new Map<string, number>();
  let depth = 0;
  configs.forEach((c, i) => {
    c.kernelFunc = (args) => {
      if (depth === 0) counts.set(c.kernelName, (counts.get(c.kernelName) ?? 0) + 1);
      depth++;
      try {
        return originals[i]!(args);
      } finally {
        depth--;
      }
    };
  });
  try {
    run();
  } finally {
    configs.forEach((c, i) => (c.kernelFunc = originals[i]!));
  }
  return counts;
};

/** One training step of the bench's cell (negative mean log-likelihood, Adam), counted; state disposed. */
const stepCalls = (def: FlowDef<Params>, dim: number): Map<string, number> => {
  const params = def.init(1);
  const x: tf.Tensor2D = tf.randomNormal([256, dim], 0, 1, 'float32', 3);
  const leaves = flattenParams(params).map((l) => l.tensor);
  const adam = adamInit(leaves);
  let next: ReturnType<typeof adamStep> | undefined;
  const counts = countKernels(() => {
    const r = lossAndGrads(params, (p) => tf.neg(tf.mean(def.apply(p).logProb(x))) as tf.Scalar);
    next = adamStep(leaves, r.grads, adam, { learningRate: 1e-3 });
    tf.dispose(r.grads);
  });
  disposeParams(params);
  disposeAdam(adam);
  x.dispose();
  if (next !== undefined) {
    disposeParams(unflattenParams(params, next.leaves));
    disposeAdam(next.state);
  }
  return counts;
};
const total = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

// Issue 14's target: a dim-2 MAF training step (batch 256, 5 transforms, hidden [64, 64]) in at most
// 120 kernel calls on native, through the public presets and training functions a user calls.
describe.skipIf(!addonBuilt)(
  `kernel calls of a training step on native${addonBuilt ? '' : ` (skipped: ${SKIP_REASON})`}`,
  () => {
    beforeAll(setupNative);

    it('a dim-2 MAF step makes at most 120 kernel calls, one of them Adam', async () => {
      await tf.setBackend('native');
      const built = autoregressive['maf']!({ dim: 2, hidden: [64, 64], transforms: 5 });
      if (E.isLeft(built)) throw built.left;
      const def: FlowDef<Params> = built.right;
      const counts = stepCalls(def, 2);
      expect(counts.get(FUSED_ADAM_MULTI)).toBe(1);
      expect(counts.get(FUSED_ADAM)).toBeUndefined();
      expect(counts.get('Add') ?? 0).toBeLessThanOrEqual(5); // the log-dets are summed in one AddN
      expect(total(counts)).toBeLessThanOrEqual(120);
    });

    it('RealNVP and mafSpline steps stay within 130 calls at dim 2 and 64', async () => {
      await tf.setBackend('native');
      for (const dim of [2, 64]) {
        const hidden = dim <= 2 ? [64, 64] : [128, 128];
        for (const make of [coupling['realNVP']!, autoregressive['mafSpline']!]) {
          const built = make({ dim, hidden, transforms: 5 });
          if (E.isLeft(built)) throw built.left;
          const def: FlowDef<Params> = built.right;
          expect(total(stepCalls(def, dim))).toBeLessThanOrEqual(130);
        }
      }
    });
  },
);
