import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '@bijective/core';
import { FUSED_FIELD_TRACE, FUSED_FIELD_TRACE_GRAD, hasFusedKernel } from '@bijective/core/backend';
import { fieldTrace } from '@bijective/core/nn';
import { checkFusedFieldTrace, expectNoLeaks } from '@bijective/core/testing';
import { SKIP_REASON, addonBuilt, calls, setupNative } from './helpers.js';

describe.skipIf(!addonBuilt)(
  `the fused field-trace kernels on native${addonBuilt ? '' : ` (skipped: ${SKIP_REASON})`}`,
  () => {
    beforeAll(setupNative);

    it('native registers both; cpu neither (fieldTrace runs the composite ops there)', async () => {
      await tf.setBackend('native');
      expect(hasFusedKernel(FUSED_FIELD_TRACE) && hasFusedKernel(FUSED_FIELD_TRACE_GRAD)).toBe(
        true,
      );
      await tf.setBackend('cpu');
      expect(hasFusedKernel(FUSED_FIELD_TRACE) || hasFusedKernel(FUSED_FIELD_TRACE_GRAD)).toBe(
        false,
      );
    });

    it('equal the composite ops on cpu: value, divergence, Frobenius norm and every gradient, every activation, no leaks', async () => {
      const [f, b] = [calls['fieldTrace'] ?? 0, calls['fieldTraceGrad'] ?? 0];
      expect(await checkFusedFieldTrace('native')).toEqual([]);
      // The addon ran (not a fallback): 60 cases, each one forward for the value and one under
      // tf.grads, and one backward.
      expect((calls['fieldTrace'] ?? 0) - f).toBe(120);
      expect((calls['fieldTraceGrad'] ?? 0) - b).toBe(60);
    });

    it('one engine kernel each way, and nothing leaks', async () => {
      await tf.setBackend('native');
      const z = tf.randomNormal([16, 2]) as tf.Tensor2D;
      const layers = [
        { w: tf.randomNormal([2, 8]) as tf.Tensor2D, shift: tf.zeros([1, 8]) as tf.Tensor2D },
        {
          w: tf.randomNormal([8, 2]) as tf.Tensor2D,
          scale: tf.ones([1, 2]) as tf.Tensor2D,
          shift: tf.zeros([1, 2]) as tf.Tensor2D,
        },
      ];
      const params = layers.flatMap((l) => [l.w, ...(l.scale ? [l.scale] : []), l.shift]);
      const grads = () =>
        tf.grads((w0: tf.Tensor, w1: tf.Tensor) =>
          tf.sum(
            fieldTrace(
              z,
              [
                { ...layers[0]!, w: w0 as tf.Tensor2D },
                { ...layers[1]!, w: w1 as tf.Tensor2D },
              ],
              'tanh',
            ).divergence,
          ),
        )([layers[0]!.w, layers[1]!.w]);
      const names = (await tf.profile(() => tf.dispose(grads()))).kernels.map((k) => k.name);
      expect(names.filter((n) => n === FUSED_FIELD_TRACE || n === FUSED_FIELD_TRACE_GRAD)).toEqual([
        FUSED_FIELD_TRACE,
        FUSED_FIELD_TRACE_GRAD,
      ]);
      expect(names.filter((n) => n === 'BatchMatMul' || n === '_FusedMatMul')).toEqual([]);
      await expectNoLeaks(grads);
      tf.dispose([z, ...params]);
    });
  },
);
