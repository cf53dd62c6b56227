import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '@bijective/core';
import { FUSED_FIELD_TRACE, FUSED_FIELD_TRACE_GRAD, hasFusedKernel } from '@bijective/core/backend';
import { fieldTrace } from '@bijective/core/nn';
import { checkFusedFieldTrace, expectNoLeaks } from '@bijective/core/testing';
import { flattenParams, unflattenParams } from '@bijective/core/params';
import { ffjord } from '@bijective/continuous';
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
      const weights = [
        tf.randomNormal([2, 8]) as tf.Tensor2D,
        tf.randomNormal([8, 2]) as tf.Tensor2D,
      ];
      const scale = tf.ones([1, 10]) as tf.Tensor2D;
      const shift = tf.zeros([1, 10]) as tf.Tensor2D;
      const params = [...weights, scale, shift];
      const grads = () =>
        tf.grads((w0: tf.Tensor, w1: tf.Tensor) =>
          tf.sum(
            fieldTrace(z, { weights: [w0 as tf.Tensor2D, w1 as tf.Tensor2D], scale, shift }, 'tanh')
              .divergence,
          ),
        )(weights);
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

describe.skipIf(!addonBuilt)('ffjord on native runs its exact trace as the fused kernel', () => {
  beforeAll(setupNative);

  it('log-density and its parameter gradients equal the composite ops on cpu; one kernel call per evaluation', async () => {
    const def = ffjord({ dim: 2, hidden: [16, 16], solver: { kind: 'rk4', steps: 3 } });
    const run = () =>
      tf.tidy(() => {
        const params = def.init(2);
        const x = tf.tensor2d([0.3, -1.2, 1.1, 0.4, -0.7, 0.2], [3, 2]);
        const leaves = flattenParams(params).map((l) => l.tensor);
        const g = tf.grads((...ls: tf.Tensor[]) =>
          tf.sum(def.apply(unflattenParams(params, ls)).logProb(x)),
        )(leaves);
        return [def.apply(params).logProb(x), ...g].map((t) => Array.from(t.dataSync()));
      });
    await tf.setBackend('cpu');
    const ref = run();
    await tf.setBackend('native');
    const before = calls['fieldTrace'] ?? 0;
    const got = run();
    // rk4, 3 steps: 12 evaluations, twice (logProb, then under tf.grads).
    expect((calls['fieldTrace'] ?? 0) - before).toBe(24);
    expect(got.length).toBe(ref.length);
    got.forEach((g, k) => {
      const r = ref[k]!;
      const scale = Math.max(1, ...r.map(Math.abs));
      g.forEach((v, i) =>
        expect(Math.abs(v - r[i]!) / scale, `output ${k}[${i}]`).toBeLessThan(1e-4),
      );
    });
  });
});
