import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { cpuBackend, tf, useBackend } from '@bijective/core';
import { WASM_BINARIES, wasmBackend } from '../src/index.js';
import { onBackend, relErr, uniform } from './helpers.js';

// Its own worker process: the build is chosen once per process.
describe('wasmBackend({ simd: false })', () => {
  it('loads and reports the plain build, and computes the same matMul as cpu', async () => {
    const wasm = wasmBackend({ simd: false });
    expect(E.isRight(await useBackend(wasm)())).toBe(true);
    const d = wasm.describe?.() ?? {};
    expect(d).toMatchObject({ flavour: 'plain', simd: false, threads: false });
    expect(String(d['binary']).endsWith(WASM_BINARIES.plain)).toBe(true);
    const run = (): tf.Tensor[] => [
      tf.matMul(
        tf.tensor2d(uniform(1, 40), [8, 5]),
        tf.tensor2d(uniform(2, 30), [6, 5]),
        false,
        true,
      ),
    ];
    const [ref] = await onBackend(cpuBackend, run);
    const [got] = await onBackend(wasm, run);
    expect(relErr(got!, ref!)).toBeLessThan(1e-4);
  });
});
