import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import { type BackendPlugin, type BijectiveError, tf } from '@bijective/core';
import { backendError } from '@bijective/core/backend';
import { WASM_BINARIES, type WasmBinaryInfo, type WasmFlavour, wasmBinaryInfo } from './binary.js';
import {
  installExplicitTransposeKernels,
  explicitTransposeKernelsInstalled,
} from './explicitTransposeKernels.js';
import { installMatMulGradient, matMulGradientInstalled } from './matMulGradient.js';
import { installFusedMlpKernels } from './fusedMlp.js';
import { installFusedElementMapKernels } from './fusedElementMapKernels.js';
import { installFusedOptimizerKernels } from './fusedOptimizerKernels.js';

/** Per-file locations of the three binaries, keyed by tfjs's file names (see {@link WASM_BINARIES}). */
export type WasmFileMap = {
  readonly 'tfjs-backend-wasm.wasm': string;
  readonly 'tfjs-backend-wasm-simd.wasm': string;
  readonly 'tfjs-backend-wasm-threaded-simd.wasm': string;
};

/** Options of {@link wasmBackend}. All are optional; the defaults suit Node and most pages. */
export type WasmBackendOptions = {
  /**
   * Where the `.wasm` binaries are served from, passed to tfjs's
   * `setWasmPaths`: a directory prefix ending in `/` (e.g.
   * `'https://cdn.jsdelivr.net/npm/@tensorflow/tfjs-backend-wasm@4.22.0/dist/'`
   * or `'/static/tfjs/'`), or a {@link WasmFileMap} of full URLs. Leave unset
   * in Node (tfjs reads the files next to its own script). Browsers and
   * bundlers usually need it, because bundling moves the script away from
   * the binaries.
   */
  readonly wasmPaths?: string | WasmFileMap;
  /** Fetch the binary with tfjs's platform fetch instead of Emscripten's loader (tfjs `usePlatformFetch`). Default false. */
  readonly usePlatformFetch?: boolean;
  /** Use a SIMD build when the engine supports it (default `true`); `false` forces the plain build. */
  readonly simd?: boolean;
  /**
   * Use the multi-threaded SIMD build when tfjs detects support (default
   * `true`). tfjs only detects it in a browser page that can share a
   * `SharedArrayBuffer` with workers, i.e. a cross-origin-isolated page
   * (served with `Cross-Origin-Opener-Policy: same-origin` and
   * `Cross-Origin-Embedder-Policy: require-corp`); tfjs 4.22 never uses
   * threads in Node. `false` forces a single-threaded build.
   */
  readonly threads?: boolean;
  /**
   * Requested XNNPACK thread-pool size for the threaded build (tfjs
   * `setThreadsCount`, applied before the first load). The wasm side caps it
   * at `min(numThreads, 8, navigator.hardwareConcurrency / 2)`, so on a
   * 2-logical-core machine the pool has 1 thread whatever you ask;
   * `describe().threadsCount` reports the size actually used. Default: that
   * cap. No effect on the single-threaded builds (always 1).
   */
  readonly numThreads?: number;
  /** Install the explicit-transpose `tf.matMul` gradient for the wasm backend (default `true`); see README. */
  readonly fastMatMulGradient?: boolean;
  /** Replace the wasm `BatchMatMul` / `_FusedMatMul` kernels by explicit-transpose versions (default `true`); see README. */
  readonly explicitTranspose?: boolean;
  /**
   * Register core's fused MLP kernels for wasm, composed of the wasm
   * backend's own kernels in one engine call each way (default `true`); see README.
   */
  readonly fusedMlp?: boolean;
  /**
   * Register core's fused spline and affine element-map kernels for wasm
   * (JavaScript loops on the wasm heap; default `true`); `false` keeps the
   * composite tfjs ops. Registered per kernel name, so this holds for the process.
   */
  readonly fusedElementMaps?: boolean;
  /**
   * Kernel installers to run after the built-in ones: opt-in kernels a bundle carries only when it
   * imports them. `installFusedFieldTraceKernels` from `@bijective/backend-wasm/kernels` registers
   * FFJORD's exact trace (core's `FUSED_FIELD_TRACE`) as one kernel call each way (about 2.8 kB of
   * gzipped JavaScript, so a page of discrete flows does not pay for it); see README.
   */
  readonly extraKernels?: readonly (() => boolean)[];
  /**
   * Register core's fused optimizer kernels for wasm (`FUSED_ADAM_MULTI`: one
   * Adam step of every parameter tensor in one kernel call; `SQUARED_NORM`),
   * as JavaScript loops on the wasm heap (default `true`); `false` keeps the
   * composite tfjs ops. Registered per kernel name, so this holds for the process.
   */
  readonly fusedOptimizer?: boolean;
};

type WasmModule = typeof import('@tensorflow/tfjs-backend-wasm');

let imported: Promise<WasmModule> | undefined;

/**
 * Import tfjs's wasm backend lazily: importing it registers the `wasm`
 * backend with priority 2, which would make it tfjs's default for code that
 * never chose a backend. Loading it only when `ready()` runs keeps
 * `import '@bijective/backend-wasm'` free of that side effect.
 */
const importWasm = (): Promise<WasmModule> => {
  imported ??= import('@tensorflow/tfjs-backend-wasm');
  return imported;
};

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

const validate = (options: WasmBackendOptions): BijectiveError | undefined => {
  const n = options.numThreads;
  if (n !== undefined && !(Number.isInteger(n) && n >= 1)) {
    return backendError('wasm', `numThreads must be a positive integer, got ${n}`);
  }
  return undefined;
};

/** Explicit options that contradict a binary that is already running. */
const conflicts = (options: WasmBackendOptions, info: WasmBinaryInfo): string | undefined => {
  if (options.simd === false && info.simd)
    return `simd: false was requested but the ${info.flavour} build is already loaded`;
  if (options.threads === false && info.threads)
    return 'threads: false was requested but the threaded-simd build is already loaded';
  return undefined;
};

const expectedFlavour = async (): Promise<WasmFlavour> => {
  const env = tf.env();
  const [simd, threads] = await Promise.all([
    env.getAsync('WASM_HAS_SIMD_SUPPORT'),
    env.getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
  ]);
  return simd === true && threads === true ? 'threaded-simd' : simd === true ? 'simd' : 'plain';
};

const loadFailure = async (options: WasmBackendOptions): Promise<BijectiveError> => {
  const flavour = await expectedFlavour().catch((): WasmFlavour => 'plain');
  const name = WASM_BINARIES[flavour];
  const where =
    options.wasmPaths === undefined
      ? 'next to the @tensorflow/tfjs-backend-wasm script'
      : typeof options.wasmPaths === 'string'
        ? `at '${options.wasmPaths}${name}'`
        : `at '${options.wasmPaths[name as keyof WasmFileMap]}'`;
  return backendError(
    'wasm',
    `could not load the WebAssembly binary '${name}' (${flavour} build) ${where}. ` +
      'In browsers and bundlers serve the .wasm files from @tensorflow/tfjs-backend-wasm/dist and pass ' +
      "wasmBackend({ wasmPaths: '<url of that directory>/' }). tfjs cannot retry a failed load with other paths " +
      'in the same page or process; reload after fixing the path.',
  );
};

/** Load tfjs's wasm backend once, honouring the options; leaves the active backend as it was. */
const load = async (options: WasmBackendOptions): Promise<BijectiveError | undefined> => {
  const invalid = validate(options);
  if (invalid !== undefined) return invalid;
  let wasm: WasmModule;
  try {
    wasm = await importWasm();
  } catch (e) {
    imported = undefined;
    return backendError(
      'wasm',
      `could not import @tensorflow/tfjs-backend-wasm (install it: pnpm add @tensorflow/tfjs-backend-wasm@4.22.0): ${message(e)}`,
    );
  }
  if (options.explicitTranspose !== false) installExplicitTransposeKernels();
  if (options.fastMatMulGradient !== false) installMatMulGradient();
  if (options.fusedMlp !== false) installFusedMlpKernels();
  if (options.fusedElementMaps !== false) installFusedElementMapKernels();
  if (options.fusedOptimizer !== false) installFusedOptimizerKernels();
  for (const [i, install] of (options.extraKernels ?? []).entries()) {
    let installed: boolean;
    try {
      installed = install();
    } catch (e) {
      return backendError('wasm', `extraKernels[${i}] threw: ${message(e)}`);
    }
    if (!installed)
      return backendError(
        'wasm',
        `extraKernels[${i}] could not register its kernels (it returned false)`,
      );
  }

  const running = wasmBinaryInfo();
  if (running !== undefined) {
    const conflict = conflicts(options, running);
    return conflict === undefined
      ? undefined
      : backendError('wasm', `${conflict}; the build is chosen once per page or process`);
  }

  try {
    const env = tf.env();
    if (options.simd === false) env.set('WASM_HAS_SIMD_SUPPORT', false);
    if (options.threads === false) env.set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    if (options.numThreads !== undefined) wasm.setThreadsCount(options.numThreads);
    if (options.wasmPaths !== undefined)
      wasm.setWasmPaths(options.wasmPaths, options.usePlatformFetch ?? false);
  } catch (e) {
    return backendError(
      'wasm',
      `could not configure the wasm backend (tfjs accepts wasmPaths only before its first load attempt; ` +
        `after a failed load, reload the page or process): ${message(e)}`,
    );
  }

  // tfjs has no public "initialise without selecting"; select it, then put the
  // previous backend back (useBackend selects wasm afterwards if asked to).
  const previous: string | undefined = tf.engine().backendName ?? undefined;
  let ok = false;
  try {
    ok = await tf.setBackend('wasm');
  } catch {
    ok = false;
  }
  if (!ok) {
    // A failed setBackend leaves tfjs's backendName at 'wasm' while the old
    // instance keeps running; select a working backend explicitly.
    await tf.setBackend(previous !== undefined && previous !== 'wasm' ? previous : 'cpu');
    return loadFailure(options);
  }
  if (previous !== undefined && previous !== 'wasm') await tf.setBackend(previous);
  return undefined;
};

let queue: Promise<unknown> = Promise.resolve();

/**
 * Run loads one after another: two overlapping `tf.setBackend('wasm')` calls
 * make tfjs start two inits and report the older one as failed.
 */
const serialised = <T>(f: () => Promise<T>): Promise<T> => {
  const run = queue.then(f, f);
  queue = run.catch(() => undefined);
  return run;
};

/**
 * A {@link BackendPlugin} for TensorFlow.js's WebAssembly backend
 * (@tensorflow/tfjs-backend-wasm 4.22, XNNPACK kernels), SIMD by default,
 * multi-threaded SIMD where the browser allows it.
 *
 * `ready()` imports and initialises the backend (without switching to it),
 * installs the matMul fixes described in the README (a `tf.matMul` gradient
 * with explicit transposes, used while wasm is active; and wasm kernels that
 * transpose explicitly instead of using the slow transpose flags), and
 * resolves to `Left(BackendError)` with the reason and the fix if the
 * binary cannot be loaded. `describe()` reports the build that actually
 * runs: `flavour` (`plain` | `simd` | `threaded-simd`), `binary`, `simd`,
 * `threads`, `threadsCount`, and the tfjs flags that decided it.
 *
 * The binary is chosen once per page or process: options that contradict an
 * already-loaded build make `ready()` fail rather than silently ignoring them.
 *
 * @example
 * ```ts
 * import { useBackend, tf } from '@bijective/core';
 * import { wasmBackend } from '@bijective/backend-wasm';
 * const wasm = wasmBackend();                 // in a bundle: wasmBackend({ wasmPaths: '/tfjs/' })
 * const r = await useBackend(wasm)();         // Left(BackendError) if the binary cannot load
 * console.log(tf.getBackend(), wasm.describe?.()); // 'wasm', { flavour: 'simd', simd: true, ... }
 * ```
 */
export const wasmBackend = (options: WasmBackendOptions = {}): BackendPlugin => {
  const ready = (): TE.TaskEither<BijectiveError, void> => async () => {
    const failure = await serialised(() => load(options)).catch((e: unknown) =>
      backendError('wasm', `unexpected failure while loading: ${message(e)}`),
    );
    return failure === undefined ? E.right(undefined) : E.left(failure);
  };
  const describe = (): Record<string, string | number | boolean> => {
    const base = {
      backend: 'wasm',
      package: '@tensorflow/tfjs-backend-wasm',
      environment: tf.env().getBool('IS_NODE') ? 'node' : 'browser',
      crossOriginIsolated:
        typeof globalThis.crossOriginIsolated === 'boolean'
          ? globalThis.crossOriginIsolated
          : false,
      matMulGradient: matMulGradientInstalled()
        ? 'explicit transposes on wasm'
        : 'tfjs default (transpose flags)',
      explicitTransposeKernels: explicitTransposeKernelsInstalled(),
    };
    const info = wasmBinaryInfo();
    return info === undefined ? { ...base, loaded: false } : { ...base, loaded: true, ...info };
  };
  return { name: 'wasm', ready, describe };
};
