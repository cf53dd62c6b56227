/**
 * The tensor backends of the page, as core `BackendPlugin`s: WebAssembly
 * (@bijective/backend-wasm: SIMD, and threads when the page is
 * cross-origin isolated), tfjs's plain JavaScript cpu backend, and WebGL
 * (tfjs-backend-webgl on an OffscreenCanvas) where the browser has it.
 */
import * as TE from 'fp-ts/lib/TaskEither.js';
import { type BackendPlugin, cpuBackend, tf } from '@bijective/core';
import { backendError } from '@bijective/core/backend';
import { wasmBackend } from '@bijective/backend-wasm';
import { installFusedFieldTraceKernels } from '@bijective/backend-wasm/kernels';
import '@tensorflow/tfjs-backend-webgl';
import type { BackendName } from './protocol.js';

/** WebGL through tfjs-backend-webgl (registered by the import above), probed by selecting it. */
const webglBackend: BackendPlugin = {
  name: 'webgl',
  ready: () =>
    TE.tryCatch(
      async () => {
        const ok = await tf.setBackend('webgl');
        if (!ok) throw new Error('this browser (or worker) offers no WebGL context');
      },
      (e) => backendError('webgl', e instanceof Error ? e.message : String(e)),
    ),
  describe: () => {
    const env = tf.env();
    return {
      kind: 'WebGL (tfjs-backend-webgl)',
      webglVersion: env.getNumber('WEBGL_VERSION'),
      float32Textures: env.getBool('WEBGL_RENDER_FLOAT32_ENABLED'),
    };
  },
};

/**
 * The plugin for a backend name; `wasmPaths` is the URL of the folder that
 * serves tfjs's three `.wasm` binaries. wasm opts in to the fused exact-trace
 * kernel (`extraKernels`): flow matching's density view evaluates the ODE's
 * exact trace, one kernel call per field evaluation instead of about 125.
 *
 * @example
 * ```ts
 * await useBackend(backendPlugin('wasm', new URL('tfjs/', location.href).href))();
 * ```
 */
export const backendPlugin = (name: BackendName, wasmPaths: string): BackendPlugin =>
  name === 'wasm'
    ? wasmBackend({ wasmPaths, extraKernels: [installFusedFieldTraceKernels] })
    : name === 'webgl'
      ? webglBackend
      : cpuBackend;
