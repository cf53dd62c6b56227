import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { disposeParams, tf, useBackend } from '@bijective/core';
import {
  FUSED_AFFINE,
  FUSED_SPLINE,
  FUSED_SPLINE_GRAD,
  STANDARD_NORMAL_LOG_PROB,
  hasFusedKernel,
} from '@bijective/core/backend';
import { lossAndGrads } from '@bijective/core/training';
import { checkFusedElementMaps } from '@bijective/core/testing';
import { mafSpline } from '@bijective/autoregressive';
import { nativeBackend } from '../src/index.js';
import { loadNativeAddon } from '../src/entries/kernels.js';

// The fused spline, affine and base log-density kernels (native/spline.cc, affine.cc, normal.cc)
// against core's composite ops on cpu: values, log-derivatives, row log-dets and gradients,
// pass-through outside the bound, no leaks. Skipped only when the addon could not be built here.
const ready = await useBackend(nativeBackend())();
const skipReason = E.isLeft(ready) ? ready.left.message : undefined;

describe.skipIf(skipReason !== undefined)('fused element-map kernels on native', () => {
  it('are registered', async () => {
    await tf.setBackend('native');
    expect(
      [FUSED_SPLINE, FUSED_AFFINE, STANDARD_NORMAL_LOG_PROB].every((k) => hasFusedKernel(k)),
    ).toBe(true);
  });
  it('match the composite ops on cpu, gradients included', async () =>
    expect(await checkFusedElementMaps('native')).toEqual([]));
  it('match them on a batch large enough for the thread pool', async () =>
    expect(await checkFusedElementMaps('native', { rows: 700, seed: 5 })).toEqual([]));
  // Six coordinates a row: the affine map's four-lane float32 path (SSE2) and its scalar tail.
  it('match them on rows of six coordinates (four lanes and a tail)', async () =>
    expect(await checkFusedElementMaps('native', { rows: 300, dim: 6, seed: 9 })).toEqual([]));

  // 12,000 x 6 coordinates: past every map's pool threshold and its wake-up one (affine: 8,192 and
  // 4x that), and through the affine map's four lanes and its tail. Each row is one thread's, with the same arithmetic, so the split must change no bit.
  // (Against the composite ops at 12,000 x 3 the spline forward differs at 3 of 36,000 coordinates
  // by ~1e-4: there the float32 composite loses digits to cancellation; the kernel agrees with a
  // float64 evaluation to ~2e-6.)
  it('give the same bits on 1, 2 and 3 threads at a size that wakes the pool', () => {
    const loaded = loadNativeAddon();
    if (E.isLeft(loaded)) throw new Error(loaded.left);
    const a = loaded.right;
    const [rows, dim, K] = [12000, 6, 8];
    const filled = (n: number, seed: number, spread: number) =>
      Float32Array.from({ length: n }, (_, i) => spread * Math.sin(seed * 7919 + i * 0.7));
    const x = filled(rows * dim, 1, 4);
    const splineRaw = filled(rows * dim * (3 * K - 1), 2, 1.5);
    const affineRaw = filled(rows * dim * 2, 3, 3);
    const [u, v, w] = [filled(rows * dim, 4, 1), filled(rows * dim, 5, 1), filled(rows, 6, 1)];
    const nan = (n: number) => new Float32Array(n).fill(Number.NaN);
    const run = (): Float32Array[] =>
      [false, true].flatMap((inverse) => {
        const [so, sl, sd] = [nan(rows * dim), nan(rows * dim), nan(rows)];
        a.spline(x, splineRaw, so, sl, sd, rows, dim, K, 3, 1e-3, 1e-3, false, inverse);
        const [sdx, sdr] = [nan(rows * dim), nan(splineRaw.length)];
        a.splineGrad(x, splineRaw, u, v, w, sdx, sdr, rows, dim, K, 3, 1e-3, 1e-3, false, inverse);
        const [ao, al, ad] = [nan(rows * dim), nan(rows * dim), nan(rows)];
        a.affine(x, affineRaw, ao, al, ad, rows, dim, 6.9, inverse);
        const [adx, adr] = [nan(rows * dim), nan(affineRaw.length)];
        a.affineGrad(x, affineRaw, u, v, w, adx, adr, rows, dim, 6.9, inverse);
        return [so, sl, sd, sdx, sdr, ao, al, ad, adx, adr];
      });
    const original = a.info().threads;
    try {
      a.setThreads(1);
      const expected = run();
      expect(expected.every((o) => o.every(Number.isFinite))).toBe(true);
      for (const threads of [2, 3]) {
        a.setThreads(threads);
        const got = run();
        got.forEach((o, k) => {
          const bad = o.findIndex((value, i) => !Object.is(value, expected[k]![i]));
          expect(bad < 0 ? 'same' : `output ${k}[${bad}] on ${threads} threads: ${o[bad]}`).toBe(
            'same',
          );
        });
      }
    } finally {
      a.setThreads(original);
    }
  });

  it('run in a mafSpline training step, which then makes a fraction of the kernel calls', async () => {
    await tf.setBackend('native');
    const def = mafSpline({ dim: 2, hidden: [16, 16], transforms: 3 });
    const params = def.init(1);
    const x = tf.randomNormal([32, 2], 0, 1, 'float32', 3) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    const info = await tf.profile(() => {
      const r = lossAndGrads(params, (p) => tf.neg(tf.mean(def.apply(p).logProb(x))) as tf.Scalar);
      tf.dispose(r.grads);
    });
    expect(tf.memory().numTensors).toBe(before);
    const names = info.kernels.map((k) => k.name);
    expect(names.filter((n) => n === FUSED_SPLINE)).toHaveLength(3);
    expect(names.filter((n) => n === FUSED_SPLINE_GRAD)).toHaveLength(3);
    // Measured: 218 calls fused, 1,790 with the composite ops (kernels unregistered).
    expect(names.length).toBeLessThan(400);
    x.dispose();
    disposeParams(params);
  });

  it('the addon refuses short arrays and bad settings with an error, not a crash', () => {
    const addon = loadNativeAddon();
    if (E.isLeft(addon)) throw new Error(addon.left);
    const a = addon.right;
    const f = (n: number) => new Float32Array(n);
    // 2 rows x 1 dim, K = 4: raw needs 2 * 11 floats.
    expect(() =>
      a.spline(f(2), f(21), f(2), f(2), f(2), 2, 1, 4, 5, 1e-3, 1e-3, false, false),
    ).toThrow(/raw is too short/);
    expect(() =>
      a.spline(f(2), f(22), f(2), f(2), f(2), 2, 1, 1, 5, 1e-3, 1e-3, false, false),
    ).toThrow(/bins/);
    expect(() =>
      a.splineGrad(
        f(2),
        f(22),
        f(1),
        null,
        null,
        f(2),
        f(22),
        2,
        1,
        4,
        5,
        1e-3,
        1e-3,
        false,
        false,
      ),
    ).toThrow(/dOut is too short/);
    expect(() => a.affine(f(2), f(3), f(2), f(2), f(2), 2, 1, 6.9, false)).toThrow(/too short/);
    expect(() => a.stdNormalLogProb(f(4), f(1), f(2), 2, 2, 1)).toThrow(/too short/);
  });

  it('a fused kernel called with mismatched shapes throws a clear error', async () => {
    await tf.setBackend('native');
    const x = tf.zeros([2, 3]);
    const raw = tf.zeros([2, 3, 5]);
    expect(() =>
      tf.engine().runKernel(FUSED_AFFINE, { x, raw }, { bound: 6.9, inverse: false }),
    ).toThrow(/raw \[rows, dim, 2\]/);
    tf.dispose([x, raw]);
  });
});
