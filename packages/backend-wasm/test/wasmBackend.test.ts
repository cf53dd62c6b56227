import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { cpuBackend, tf, useBackend } from '@bijective/core';
import * as pkg from '../src/index.js';
import * as kernels from '../src/entries/kernels.js';

const { WASM_BINARIES, wasmBackend } = pkg;

describe('wasmBackend', () => {
  it('importing the package does not register or select wasm; describe() says not loaded', () => {
    expect(tf.engine().registryFactory['wasm']).toBeUndefined();
    expect(wasmBackend().describe?.()).toMatchObject({ backend: 'wasm', loaded: false });
  });

  it('the main entry is the plugin and what it reports; installers and loops are on ./kernels', () => {
    expect(Object.keys(pkg).sort()).toEqual(['WASM_BINARIES', 'wasmBackend', 'wasmBinaryInfo']);
    expect(Object.keys(kernels)).toContain('installFusedMlpKernels');
    expect(Object.keys(kernels)).toContain('splineLoop');
    for (const name of Object.keys(kernels)) expect(Object.keys(pkg)).not.toContain(name);
  });

  it('ready() loads the binary without switching the active backend', async () => {
    await useBackend(cpuBackend)();
    // Two overlapping first loads: tfjs alone would report the older one as failed.
    const rs = await Promise.all([wasmBackend().ready()(), wasmBackend().ready()()]);
    expect(rs.every(E.isRight)).toBe(true);
    expect(tf.getBackend()).toBe('cpu');
    expect(tf.engine().registry['wasm']).toBeDefined();
  });

  it('in Node, describe() reports the single-threaded SIMD build that tfjs loaded', async () => {
    const wasm = wasmBackend();
    expect(E.isRight(await wasm.ready()())).toBe(true);
    const d = wasm.describe?.() ?? {};
    expect(d).toMatchObject({
      loaded: true,
      environment: 'node',
      flavour: 'simd',
      simd: true,
      simdSupported: true,
      // tfjs 4.22 hard-codes WASM_HAS_MULTITHREAD_SUPPORT = false when IS_NODE.
      threads: false,
      threadsSupported: false,
      threadsCount: 1,
      explicitTransposeKernels: true,
      matMulGradient: 'explicit transposes on wasm',
    });
    expect(String(d['binary']).endsWith(WASM_BINARIES.simd)).toBe(true);
  });

  it('switches cpu -> wasm -> cpu with useBackend, carrying tensors across', async () => {
    expect(E.isRight(await useBackend(cpuBackend)())).toBe(true);
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    expect(E.isRight(await useBackend(wasmBackend())())).toBe(true);
    expect(tf.getBackend()).toBe('wasm');
    const y = tf.matMul(x, x, false, true); // [[5, 11], [11, 25]]
    expect(E.isRight(await useBackend(cpuBackend)())).toBe(true);
    expect(tf.getBackend()).toBe('cpu');
    const z = tf.add(y, 1);
    expect(Array.from(z.dataSync())).toEqual([6, 12, 12, 26]);
    tf.dispose([x, y, z]);
  });

  it('ready() is idempotent and concurrent calls agree', async () => {
    const rs = await Promise.all([
      wasmBackend().ready()(),
      wasmBackend().ready()(),
      wasmBackend().ready()(),
    ]);
    expect(rs.every(E.isRight)).toBe(true);
  });

  it('options contradicting the already-loaded build are a BackendError, not silently ignored', async () => {
    const r = await wasmBackend({ simd: false }).ready()();
    expect(E.isLeft(r) && r.left.kind).toBe('BackendError');
    expect(E.isLeft(r) && r.left.message).toMatch(/simd: false.*simd build is already loaded/);
  });

  it('rejects a non-integer thread count', async () => {
    for (const numThreads of [0, -1, 1.5, Number.NaN]) {
      const r = await wasmBackend({ numThreads }).ready()();
      expect(E.isLeft(r) && r.left.message).toMatch(/numThreads must be a positive integer/);
    }
  });
});
