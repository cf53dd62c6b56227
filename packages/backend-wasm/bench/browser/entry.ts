// Page script for browserCheck.ts (bundled with esbuild, run in headless Chromium).
import { cpuBackend, tf, useBackend } from '@bijective/core';
import { wasmBackend } from '../../src/index.js';

type Result = {
  hardwareConcurrency?: number;
  ok: boolean;
  error?: string;
  describe?: Record<string, string | number | boolean>;
  maxRelErr?: number;
  crossOriginIsolated: boolean;
};

const run = (): Float32Array[] =>
  tf
    .tidy(() => {
      const a = tf.tensor2d(
        Float32Array.from({ length: 64 * 32 }, (_, i) => Math.sin(i)),
        [64, 32],
      );
      const b = tf.tensor2d(
        Float32Array.from({ length: 48 * 32 }, (_, i) => Math.cos(i)),
        [48, 32],
      );
      const [da, db] = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
        tf.sum(tf.square(tf.matMul(x, y, false, true))),
      )([a, b]);
      return [tf.matMul(a, b, false, true), da!, db!];
    })
    .map((t) => Float32Array.from(t.dataSync()));

const main = async (): Promise<Result> => {
  const query = new URLSearchParams(location.search);
  const numThreads = query.get('numThreads');
  const wasm = wasmBackend({
    wasmPaths: '/wasm/',
    ...(query.get('threads') === 'off' ? { threads: false } : {}),
    ...(numThreads !== null ? { numThreads: Number(numThreads) } : {}),
  });
  const r = await useBackend(wasm)();
  if (r._tag === 'Left')
    return { ok: false, error: r.left.message, crossOriginIsolated: self.crossOriginIsolated };
  const got = run();
  await useBackend(cpuBackend)();
  const ref = run();
  let maxRelErr = 0;
  got.forEach((g, i) => {
    const y = ref[i]!;
    const scale = y.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    maxRelErr = Math.max(
      maxRelErr,
      g.reduce((m, v, j) => Math.max(m, Math.abs(v - y[j]!)), 0) / scale,
    );
  });
  return {
    hardwareConcurrency: navigator.hardwareConcurrency,
    ok: true,
    describe: wasm.describe?.() ?? {},
    maxRelErr,
    crossOriginIsolated: self.crossOriginIsolated,
  };
};

declare global {
  interface Window {
    bijectiveResult?: Result;
  }
}
main()
  .then((r) => (window.bijectiveResult = r))
  .catch(
    (e: unknown) =>
      (window.bijectiveResult = {
        ok: false,
        error: String(e),
        crossOriginIsolated: self.crossOriginIsolated,
      }),
  );
