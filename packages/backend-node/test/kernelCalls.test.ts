import { beforeAll, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { type FlowDef, type Params, disposeParams, tf } from '@bijective/core';
import { FUSED_ADAM, FUSED_ADAM_MULTI, profileKernels } from '@bijective/core/backend';
import { adamInit, adamStep, disposeAdam, lossAndGrads } from '@bijective/core/training';
import { flattenParams, unflattenParams } from '@bijective/core/params';
import { presets as autoregressive } from '@bijective/autoregressive';
import { presets as coupling } from '@bijective/coupling';
import { SKIP_REASON, addonBuilt, setupNative } from './helpers.js';

/** Kernel calls the engine makes while `run` runs on `native`, by name (core's counter, outermost only). */
const countKernels = async (run: () => void): Promise<Map<string, number>> =>
  new Map((await profileKernels(run, 'native')).byKernel.map((k) => [k.name, k.calls]));

/** One training step of the bench's cell (negative mean log-likelihood, Adam), counted; state disposed. */
const stepCalls = async (def: FlowDef<Params>, dim: number): Promise<Map<string, number>> => {
  const params = def.init(1);
  const x: tf.Tensor2D = tf.randomNormal([256, dim], 0, 1, 'float32', 3);
  const leaves = flattenParams(params).map((l) => l.tensor);
  const adam = adamInit(leaves);
  let next: ReturnType<typeof adamStep> | undefined;
  const counts = await countKernels(() => {
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
      const counts = await stepCalls(def, 2);
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
          expect(total(await stepCalls(def, dim))).toBeLessThanOrEqual(130);
        }
      }
    });
  },
);
