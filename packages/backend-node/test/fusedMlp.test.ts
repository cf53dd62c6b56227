import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '@bijective/core';
import { FUSED_MLP, FUSED_MLP_GRAD, hasFusedKernel } from '@bijective/core/backend';
import { mlpStack } from '@bijective/core/nn';
import { checkFusedMlp, expectNoLeaks } from '@bijective/core/testing';
import { SKIP_REASON, addonBuilt, calls, setupNative } from './helpers.js';

describe.skipIf(!addonBuilt)(
  `the fused MLP kernels on native${addonBuilt ? '' : ` (skipped: ${SKIP_REASON})`}`,
  () => {
    beforeAll(setupNative);

    it('native registers both; cpu neither (mlpStack runs the composite ops there)', async () => {
      await tf.setBackend('native');
      expect(hasFusedKernel(FUSED_MLP) && hasFusedKernel(FUSED_MLP_GRAD)).toBe(true);
      await tf.setBackend('cpu');
      expect(hasFusedKernel(FUSED_MLP) || hasFusedKernel(FUSED_MLP_GRAD)).toBe(false);
    });

    it('equal the composite ops on cpu: outputs and gradients, dense and masked, with and without context, every activation, no leaks', async () => {
      const [f, b] = [calls['mlpForward'] ?? 0, calls['mlpBackward'] ?? 0];
      expect(await checkFusedMlp('native')).toEqual([]);
      // The addon ran (not a fallback): 40 kernel-level cases each way, and 24 through mlpStack
      // (two forwards each: the output, then again under tf.grads).
      expect((calls['mlpForward'] ?? 0) - f).toBe(88);
      expect((calls['mlpBackward'] ?? 0) - b).toBe(64);
    });

    it('mlpStack on native: one engine kernel each way for a three-layer masked stack', async () => {
      await tf.setBackend('native');
      const x = tf.randomNormal([8, 2]) as tf.Tensor2D;
      const layers = [
        [2, 16],
        [16, 16],
        [16, 4],
      ].map(([i, o]) => ({
        w: tf.randomNormal([i!, o!]) as tf.Tensor2D,
        b: tf.zeros([o!]) as tf.Tensor1D,
        mask: tf.ones([i!, o!]) as tf.Tensor2D,
      }));
      // The forward: the fused kernel (plus the engine's unnamed entry for the customGrad around it).
      const forward = await tf.profile(() => mlpStack(x, layers));
      expect(forward.kernels.map((k) => k.name).filter((n) => n !== '')).toEqual([FUSED_MLP]);
      const params = layers.flatMap((l) => [l.w, l.b]);
      const grads = () =>
        tf.grads((...ps: tf.Tensor[]) =>
          tf.sum(
            mlpStack(
              x,
              layers.map((l, i) => ({
                ...l,
                w: ps[2 * i] as tf.Tensor2D,
                b: ps[2 * i + 1] as tf.Tensor1D,
              })),
            ),
          ),
        )(params);
      // With gradients: one forward and one backward kernel, no matMul; the rest are the engine's
      // clone of the one saved tensor (the workspace) and the sum's own kernels.
      const names = (await tf.profile(() => tf.dispose(grads()))).kernels.map((k) => k.name);
      expect(names.filter((n) => n === FUSED_MLP || n === FUSED_MLP_GRAD)).toEqual([
        FUSED_MLP,
        FUSED_MLP_GRAD,
      ]);
      expect(names.filter((n) => n === 'BatchMatMul' || n === '_FusedMatMul')).toEqual([]);
      await expectNoLeaks(grads);
      tf.dispose([x, ...params, ...layers.map((l) => l.mask)]);
    });
  },
);

describe.skipIf(!addonBuilt)('mlpStack on native: edge sizes', () => {
  beforeAll(setupNative);

  it('an empty batch gives empty outputs and zero gradients, like the composite ops', async () => {
    await tf.setBackend('native');
    const x = tf.zeros([0, 3]) as tf.Tensor2D;
    const w = tf.ones([3, 4]) as tf.Tensor2D;
    const b = tf.ones([4]) as tf.Tensor1D;
    const [out, dw] = tf.tidy(() => {
      const g = tf.grads((wi: tf.Tensor) =>
        tf.sum(
          mlpStack(x, [
            { w: wi as tf.Tensor2D, b },
            { w: tf.ones([4, 2]), b: tf.zeros([2]) },
          ]),
        ),
      )([w]);
      return [mlpStack(x, [{ w, b }]), g[0]!];
    });
    expect(out.shape).toEqual([0, 4]);
    expect(Array.from(dw.dataSync())).toEqual(new Array(12).fill(0));
    tf.dispose([x, w, b, out, dw]);
  });
});
