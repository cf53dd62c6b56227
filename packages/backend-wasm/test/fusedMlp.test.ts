import { beforeAll, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { tf, useBackend } from '@bijective/core';
import { FUSED_MLP, FUSED_MLP_GRAD, hasFusedKernel } from '@bijective/core/backend';
import { mlpStack } from '@bijective/core/nn';
import { checkFusedMlp } from '@bijective/core/testing';
import { wasmBackend } from '../src/index.js';
import { installFusedMlpKernels, uninstallFusedMlpKernels } from '../src/entries/kernels.js';

describe('the fused MLP kernels on wasm (composed of the wasm kernels)', () => {
  beforeAll(async () => {
    const r = await useBackend(wasmBackend())();
    if (E.isLeft(r)) throw r.left;
  });

  it('wasmBackend() registers both', async () => {
    await tf.setBackend('wasm');
    expect(hasFusedKernel(FUSED_MLP) && hasFusedKernel(FUSED_MLP_GRAD)).toBe(true);
  });

  it('equal the composite ops on cpu: outputs and gradients, dense and masked, with and without context, every activation, no leaks', async () => {
    expect(await checkFusedMlp('wasm')).toEqual([]);
  });

  it('one engine kernel for the forward; uninstalling brings back the composite ops', async () => {
    await tf.setBackend('wasm');
    const x = tf.ones([4, 2]) as tf.Tensor2D;
    const layers = [
      { w: tf.ones([2, 8]) as tf.Tensor2D, b: tf.zeros([8]) as tf.Tensor1D },
      { w: tf.ones([8, 3]) as tf.Tensor2D, b: tf.zeros([3]) as tf.Tensor1D },
    ];
    const names = async () =>
      (await tf.profile(() => mlpStack(x, layers))).kernels
        .map((k) => k.name)
        .filter((n) => n !== '');
    expect(await names()).toEqual([FUSED_MLP]);
    expect(uninstallFusedMlpKernels()).toBe(true);
    try {
      expect(await names()).not.toContain(FUSED_MLP);
    } finally {
      expect(installFusedMlpKernels()).toBe(true);
    }
    tf.dispose([x, ...layers.flatMap((l) => [l.w, l.b])]);
  });
});
