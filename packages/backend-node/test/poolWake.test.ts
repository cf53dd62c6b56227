import { beforeAll, describe, expect, it } from 'vitest';
import { SKIP_REASON, addonBuilt, rawAddon, setupNative, uniform } from './helpers.js';
import type { NativeAddon } from '../src/entries/kernels.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const addon = (): NativeAddon => {
  if (rawAddon === undefined) throw new Error('setupNative did not run');
  return rawAddon;
};
const inlineJobs = (): number => addon().info().inlineJobs;

/** exp over n floats on the addon, checked against Math.exp (float32-rounded, 2 ulp). */
const expChecked = (n: number): void => {
  const x = uniform(n, n);
  const out = new Float32Array(n);
  addon().unary(0, x, out);
  for (let i = 0; i < n; i++) {
    const want = Math.fround(Math.exp(x[i]!));
    if (Math.abs(out[i]! - want) > 2 * Math.abs(want) * 2 ** -23)
      throw new Error(`exp(${x[i]}) = ${out[i]}, expected ${want} (n ${n}, element ${i})`);
  }
};

/** [m, k] @ [k, n] on the addon, checked against a double-precision product. */
const gemmChecked = (m: number, k: number, n: number): void => {
  const a = uniform(m * k, m + k);
  const b = uniform(k * n, k + n);
  const c = new Float32Array(m * n);
  addon().gemm(a, b, c, 1, 1, 1, m, n, k, false, false, null, 0, 0, 0, 0, 0);
  for (let i = 0; i < m; i += 7)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p]! * b[p * n + j]!;
      if (Math.abs(c[i * n + j]! - s) > 1e-4 * Math.sqrt(k))
        throw new Error(`c[${i}, ${j}] = ${c[i * n + j]}, expected ${s} (${m}x${k}x${n})`);
    }
};

/**
 * Whether `job` ran on the caller alone, after the workers had time to fall asleep (they spin
 * for 100 µs after a job, then sleep). Tried a few times: on a loaded machine a spinning worker
 * can be descheduled for longer than the pause and is then not counted as asleep.
 */
const ranInlineAfterIdle = async (job: () => void): Promise<boolean> => {
  for (let attempt = 0; attempt < 10; attempt++) {
    await sleep(20);
    const before = inlineJobs();
    job();
    if (inlineJobs() > before) return true;
  }
  return false;
};

describe.skipIf(!addonBuilt)(
  `the pool wakes sleeping workers only for jobs worth it${addonBuilt ? '' : ` (skipped: ${SKIP_REASON})`}`,
  () => {
    beforeAll(setupNative);

    it('small pool jobs run on the caller while the workers sleep; large ones wake them; results agree', async () => {
      const original = addon().info().threads;
      try {
        addon().setThreads(2);
        // exp is split over the pool from 8192 floats and wakes sleeping workers from 32768.
        expect(await ranInlineAfterIdle(() => expChecked(16384))).toBe(true);
        await sleep(20);
        let before = inlineJobs();
        expChecked(65536);
        expect(inlineJobs()).toBe(before);
        // A product is split from 2^21 multiply-adds (with >= 96 rows per thread) and wakes
        // sleeping workers from 2^23: 1024x64x64 (4.2M) runs inline, 512x256x256 (33.6M) does not.
        expect(await ranInlineAfterIdle(() => gemmChecked(1024, 64, 64))).toBe(true);
        await sleep(20);
        before = inlineJobs();
        gemmChecked(512, 256, 256);
        expect(inlineJobs()).toBe(before);
        // Below the split threshold nothing reaches the pool at all.
        await sleep(20);
        before = inlineJobs();
        expChecked(4096);
        gemmChecked(128, 64, 64);
        expect(inlineJobs()).toBe(before);
      } finally {
        addon().setThreads(original);
      }
    });

    it('with one thread no job reaches the pool', () => {
      const original = addon().info().threads;
      try {
        addon().setThreads(1);
        const before = inlineJobs();
        expChecked(65536);
        gemmChecked(512, 256, 256);
        expect(inlineJobs()).toBe(before);
      } finally {
        addon().setThreads(original);
      }
    });
  },
);
