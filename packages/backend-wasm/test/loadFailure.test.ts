import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { cpuBackend, tf, useBackend } from '@bijective/core';
import { wasmBackend } from '../src/index.js';

// Runs in its own worker process: a failed load poisons tfjs-backend-wasm's
// module state for the rest of the process, by tfjs's design.
describe('wasmBackend when the binary cannot be loaded', () => {
  it('ready() and useBackend() return a BackendError naming the binary and the fix; cpu stays active', async () => {
    await useBackend(cpuBackend)();
    const r = await useBackend(wasmBackend({ wasmPaths: '/nonexistent/tfjs-wasm/' }))();
    expect(E.isLeft(r)).toBe(true);
    if (E.isRight(r)) return;
    expect(r.left.kind).toBe('BackendError');
    expect(r.left.message).toContain(
      "backend 'wasm': could not load the WebAssembly binary 'tfjs-backend-wasm-simd.wasm'",
    );
    expect(r.left.message).toContain("at '/nonexistent/tfjs-wasm/tfjs-backend-wasm-simd.wasm'");
    expect(r.left.message).toContain('wasmPaths');
    expect(tf.getBackend()).toBe('cpu');
    const y = tf.add(tf.scalar(1), 2);
    expect(y.dataSync()[0]).toBe(3);
    y.dispose();
  });
});
