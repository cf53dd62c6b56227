import { existsSync } from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import { expect } from 'vitest';
import { tf, useBackend } from '@bijective/core';
import { nativeBackend } from '../src/index.js';
import { type NativeAddon, defaultAddonPath, loadNativeAddon } from '../src/entries/kernels.js';
import { ADDON_FUNCTIONS } from '../src/addon.js';

/** Whether the addon has been built (tests needing it skip otherwise, saying why). */
export const addonBuilt = existsSync(defaultAddonPath);
export const SKIP_REASON =
  'native addon not built: run `pnpm -F @bijective/backend-node build:addon`';

/** Calls per addon function, so tests can prove the native path (not the cpu fallback) ran. */
export const calls: Record<string, number> = {};

/** The real addon (for switching SIMD paths in tests); set by {@link setupNative}. */
export let rawAddon: NativeAddon | undefined;

/** Register `native` with an addon wrapped to count calls and make it active. */
export const setupNative = async (): Promise<void> => {
  const loaded = loadNativeAddon(defaultAddonPath);
  if (E.isLeft(loaded)) throw new Error(loaded.left);
  rawAddon = loaded.right;
  const real = loaded.right;
  const names = ADDON_FUNCTIONS;
  const counting = Object.fromEntries(
    names.map((name) => [
      name,
      (...args: unknown[]): unknown => {
        calls[name] = (calls[name] ?? 0) + 1;
        return (real[name] as (...a: unknown[]) => unknown)(...args);
      },
    ]),
  );
  const plugin = nativeBackend({ loadModule: () => counting });
  const r = await useBackend(plugin)();
  if (E.isLeft(r)) throw new Error(r.left.message);
};

/** Deterministic uniform numbers in [lo, hi) (mulberry32). */
export const uniform = (n: number, seed: number, lo = -1, hi = 1): Float32Array => {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  }
  return out;
};

export type Result = {
  shape: number[];
  dtype: string;
  values: Float32Array | Int32Array | Uint8Array;
};

/** Run `fn` inside tidy on backend `name` and read its result back. */
export const runOn = async (name: string, fn: () => tf.Tensor): Promise<Result> => {
  await tf.setBackend(name);
  const t = tf.tidy(fn);
  const values = t.dataSync() as Float32Array | Int32Array | Uint8Array;
  const r = { shape: t.shape, dtype: t.dtype, values: values.slice() };
  t.dispose();
  return r;
};

/**
 * Same shape and dtype, and |native - cpu| <= rtol * max(1, max |cpu|)
 * elementwise. float32 carries ~7 digits (eps = 1.2e-7); the backends sum in
 * different orders (blocked FMA GEMM vs JS double sums rounded once) and use
 * float vs double transcendentals, which moves results by up to ~K * eps
 * relative to the output's scale, i.e. ~3e-5 for K = 257; 1e-4 covers that
 * with margin while still catching any wrong index or broadcast.
 */
export const expectClose = (native: Result, cpu: Result, rtol = 1e-4): void => {
  expect(native.shape).toEqual(cpu.shape);
  expect(native.dtype).toEqual(cpu.dtype);
  expect(native.values.length).toBe(cpu.values.length);
  let scale = 1;
  for (const v of cpu.values) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  let at = -1;
  cpu.values.forEach((c, i) => {
    const n = native.values[i] ?? Number.NaN;
    if (Number.isNaN(c) && Number.isNaN(n)) return;
    if (c === n) return;
    const d = Math.abs(n - c) / scale;
    if (!(d <= worst)) {
      worst = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
      at = i;
    }
  });
  expect(worst, `worst relative error at index ${at}`).toBeLessThanOrEqual(rtol);
};

/** Compare `fn` on native and cpu. */
export const agree = async (fn: () => tf.Tensor, rtol = 1e-4): Promise<void> => {
  const cpu = await runOn('cpu', fn);
  const native = await runOn('native', fn);
  expectClose(native, cpu, rtol);
};
