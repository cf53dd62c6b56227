import { beforeAll, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { type FlowDef, type Params, disposeParams, tf, useBackend } from '@bijective/core';
import {
  FUSED_ADAM_MULTI,
  SQUARED_NORM,
  hasFusedKernel,
  profileKernels,
} from '@bijective/core/backend';
import { adamInit, adamStep, disposeAdam, lossAndGrads } from '@bijective/core/training';
import { flattenParams, unflattenParams } from '@bijective/core/params';
import { checkFusedOptimizer } from '@bijective/core/testing';
import { presets } from '@bijective/autoregressive';
import { wasmBackend } from '../src/index.js';

/** Kernel calls the engine makes while `run` runs on the active backend, by name (core's counter, outermost only). */
const countKernels = async (run: () => void): Promise<Map<string, number>> =>
  new Map((await profileKernels(run, tf.getBackend())).byKernel.map((k) => [k.name, k.calls]));
const total = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

// The fused Adam (every leaf in one call) and squared-norm kernels (JavaScript loops on the wasm
// heap) against core's composite ops on cpu; and the engine calls of a training step they save.
describe('fused optimizer kernels on wasm', () => {
  beforeAll(async () => {
    const r = await useBackend(wasmBackend())();
    if (E.isLeft(r)) throw r.left;
  });
  it('are registered', () => {
    expect(tf.getBackend()).toBe('wasm');
    expect(hasFusedKernel(FUSED_ADAM_MULTI) && hasFusedKernel(SQUARED_NORM)).toBe(true);
  });
  it('match the composite Adam and norm on cpu, without leaks', async () =>
    expect(await checkFusedOptimizer('wasm')).toEqual([]));
  it('run one Adam step of every leaf in one kernel call', async () => {
    const leaves = [tf.ones([4, 4]), tf.zeros([3]), tf.ones([2])];
    const s0 = adamInit(leaves);
    let r: ReturnType<typeof adamStep> | undefined;
    const counts = await countKernels(() => (r = adamStep(leaves, leaves, s0)));
    expect([...counts]).toEqual([[FUSED_ADAM_MULTI, 1]]);
    tf.dispose([...leaves, ...(r?.leaves ?? [])]);
    disposeAdam(s0);
    if (r !== undefined) disposeAdam(r.state);
  });
  it('bring a dim-2 MAF training step (the bench cell) to at most 120 kernel calls', async () => {
    const built = presets['maf']!({ dim: 2, hidden: [64, 64], transforms: 5 });
    if (E.isLeft(built)) throw built.left;
    const def: FlowDef<Params> = built.right;
    const params = def.init(1);
    const x: tf.Tensor2D = tf.randomNormal([256, 2], 0, 1, 'float32', 3);
    const leaves = flattenParams(params).map((l) => l.tensor);
    const adam = adamInit(leaves);
    let next: ReturnType<typeof adamStep> | undefined;
    const counts = await countKernels(() => {
      const r = lossAndGrads(params, (p) => tf.neg(tf.mean(def.apply(p).logProb(x))) as tf.Scalar);
      next = adamStep(leaves, r.grads, adam, { learningRate: 1e-3 });
      tf.dispose(r.grads);
    });
    expect(counts.get(FUSED_ADAM_MULTI)).toBe(1);
    expect(total(counts)).toBeLessThanOrEqual(120);
    disposeParams(params);
    disposeAdam(adam);
    x.dispose();
    if (next !== undefined) {
      disposeParams(unflattenParams(params, next.leaves));
      disposeAdam(next.state);
    }
  });
});
