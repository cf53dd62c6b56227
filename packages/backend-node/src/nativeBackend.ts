import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { type BackendPlugin, type BijectiveError } from '@bijective/core';
import { backendError } from '@bijective/core/backend';
import { type ModuleLoader, type NativeAddon, defaultAddonPath, loadNativeAddon } from './addon.js';
import { NATIVE_BACKEND_NAME, NATIVE_KERNELS, registerNativeBackend } from './registerNative.js';

/** Options of {@link nativeBackend}; all optional. */
export type NativeBackendOptions = {
  /** Path of the compiled addon; default `build/Release/bijective_native.node` inside this package. */
  readonly addonPath?: string;
  /** How the addon file is loaded (default Node's `require`); tests inject failures here. */
  readonly loadModule?: ModuleLoader;
  /** Threads in the persistent pool, the caller included (default: one per logical core). */
  readonly threads?: number;
  /**
   * `'auto'` (default) uses AVX-512 tiles and AVX2+FMA where the CPU has them; `'avx2'` keeps to
   * AVX2+FMA (for CPUs that lower their clock under 512-bit FMAs); `'portable'` forces the portable
   * GEMM micro-kernel.
   */
  readonly simd?: 'auto' | 'avx2' | 'portable';
};

/** The fix named in every "addon missing" message. */
export const NATIVE_BUILD_FIX =
  'Build it in your project with `npm rebuild @bijective/backend-node`, or with pnpm (which runs no ' +
  'dependency build script until allowed) `pnpm approve-builds` or `"pnpm": { "onlyBuiltDependencies": ' +
  '["@bijective/backend-node"] }` in package.json, then `pnpm rebuild @bijective/backend-node`; in the ' +
  'bijective repo, `pnpm -F @bijective/backend-node build:addon`. This needs a C++17 compiler, make and ' +
  'python3 (Debian/Ubuntu: apt-get install g++ make python3; macOS: xcode-select --install). Until then ' +
  'use cpuBackend or wasmBackend().';

let active: { addon: NativeAddon; path: string } | undefined;

/**
 * The native Node backend: tfjs-backend-cpu with its hot kernels (GEMM,
 * broadcasting binary ops, unary math, Sum/Max) replaced by a C++ N-API
 * addon built from source at install (AVX2/FMA GEMM picked at run time, a
 * persistent thread pool above a size threshold). Tensors keep the cpu
 * backend's Float32Array storage, which the addon reads in place, and every
 * gradient keeps working. `ready()` loads the addon and registers the tfjs
 * backend `native`; without the addon it returns `Left(BackendError)` naming
 * the build command, and nothing else changes.
 *
 * @example
 * ```ts
 * import { useBackend } from '@bijective/core';
 * import { nativeBackend } from '@bijective/backend-node';
 * const r = await useBackend(nativeBackend())();
 * if (E.isLeft(r)) console.warn(r.left.message); // still on cpu
 * ```
 */
export const nativeBackend = (options: NativeBackendOptions = {}): BackendPlugin => {
  const path = options.addonPath ?? defaultAddonPath;
  let failure: string | undefined;
  const ready = (): TE.TaskEither<BijectiveError, void> => async () => {
    const { threads, simd } = options;
    if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1 && threads <= 256)) {
      return E.left(
        backendError(NATIVE_BACKEND_NAME, `threads must be an integer in [1, 256], got ${threads}`),
      );
    }
    if (active === undefined || active.path !== path) {
      const loaded = loadNativeAddon(path, options.loadModule);
      if (E.isLeft(loaded)) {
        failure = loaded.left;
        return E.left(
          backendError(
            NATIVE_BACKEND_NAME,
            `the native addon could not be loaded from ${path} (${loaded.left}). ${NATIVE_BUILD_FIX}`,
          ),
        );
      }
      if (active !== undefined) {
        return E.left(
          backendError(
            NATIVE_BACKEND_NAME,
            `a native addon is already registered from ${active.path}; one addon per process (got ${path})`,
          ),
        );
      }
      active = { addon: loaded.right, path };
    }
    failure = undefined;
    try {
      if (threads !== undefined) active.addon.setThreads(threads);
      if (simd !== undefined) {
        active.addon.setPortable(simd === 'portable');
        active.addon.setAvx512(simd === 'auto');
      }
      registerNativeBackend(active.addon);
    } catch (e) {
      return E.left(
        backendError(
          NATIVE_BACKEND_NAME,
          `registration failed: ${e instanceof Error ? e.message : String(e)}`,
        ),
      );
    }
    return E.right(undefined);
  };
  return {
    name: NATIVE_BACKEND_NAME,
    ready,
    describe: (): Record<string, string | number | boolean> => {
      if (active === undefined || active.path !== path) {
        return failure === undefined
          ? { addon: 'not loaded (call ready())', path }
          : { addon: 'missing', path, error: failure, fix: NATIVE_BUILD_FIX };
      }
      const info = active.addon.info();
      return {
        addon: 'loaded',
        path,
        simd: info.simd,
        cpuHasAvx2Fma: info.cpuHasAvx2Fma,
        threads: info.threads,
        nativeKernels: NATIVE_KERNELS.join(', '),
      };
    },
  };
};
