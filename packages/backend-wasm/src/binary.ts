import { tf } from '@bijective/core';

/** The three WebAssembly builds that @tensorflow/tfjs-backend-wasm 4.22 ships. */
export type WasmFlavour = 'plain' | 'simd' | 'threaded-simd';

/** File name of each build, as tfjs looks it up (and as `wasmPaths` maps it). */
export const WASM_BINARIES: { readonly [F in WasmFlavour]: string } = {
  plain: 'tfjs-backend-wasm.wasm',
  simd: 'tfjs-backend-wasm-simd.wasm',
  'threaded-simd': 'tfjs-backend-wasm-threaded-simd.wasm',
};

/** What the loaded wasm backend is actually running. */
export type WasmBinaryInfo = {
  /** Which build tfjs instantiated. */
  readonly flavour: WasmFlavour;
  /** Path or URL tfjs's own `locateFile` resolved the binary to (`unknown` if it could not be queried). */
  readonly binary: string;
  /** The SIMD build is running (`simd` or `threaded-simd`). */
  readonly simd: boolean;
  /** The multi-threaded build is running and its heap is a SharedArrayBuffer. */
  readonly threads: boolean;
  /**
   * XNNPACK thread-pool size the module reports (what tfjs's `getThreadsCount()` returns); 1 for
   * single-threaded builds, and at most `min(8, hardwareConcurrency / 2)` for the threaded one.
   */
  readonly threadsCount: number;
  /** Value of tfjs's `WASM_HAS_SIMD_SUPPORT` flag used at load time. */
  readonly simdSupported: boolean;
  /** Value of tfjs's `WASM_HAS_MULTITHREAD_SUPPORT` flag used at load time (always false in Node). */
  readonly threadsSupported: boolean;
};

const FLAVOURS: readonly WasmFlavour[] = ['plain', 'simd', 'threaded-simd'];

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;

/**
 * Find out which build the initialised tfjs `wasm` backend runs.
 *
 * tfjs 4.22 decides in `init()` from two async environment flags:
 * `simd = await env().getAsync('WASM_HAS_SIMD_SUPPORT')` (a `WebAssembly.validate`
 * probe) and `threads = await env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')`
 * (always `false` when `IS_NODE`; in browsers it needs a transferable
 * `SharedArrayBuffer`, i.e. a cross-origin-isolated page). Both → threaded
 * SIMD; SIMD only → SIMD; otherwise plain. The flags are cached once
 * evaluated, so reading them afterwards gives the values `init()` used. We
 * ask the running module rather than re-derive: the binary path comes from
 * the Emscripten module's `locateFile` (tfjs's closure over those flags and
 * `wasmPaths`) and names the flavour unless a file map renamed the files;
 * `threads` additionally requires the wasm heap to be a SharedArrayBuffer,
 * which only the threaded build allocates.
 *
 * Returns `undefined` if the wasm backend is not initialised.
 *
 * @example
 * ```ts
 * const info = wasmBinaryInfo();
 * info?.flavour; // 'simd' in Node 20
 * ```
 */
export const wasmBinaryInfo = (): WasmBinaryInfo | undefined => {
  const backend: unknown = tf.engine().registry['wasm'];
  if (!isObject(backend)) return undefined;
  const env = tf.env();
  // Both flags are registered by tfjs-backend-wasm and already evaluated by its init().
  const simdSupported = env.getBool('WASM_HAS_SIMD_SUPPORT');
  const threadsSupported = env.getBool('WASM_HAS_MULTITHREAD_SUPPORT');
  const module: unknown = backend['wasm'];
  const heap = isObject(module) ? module['HEAPU8'] : undefined;
  const sharedHeap =
    typeof SharedArrayBuffer !== 'undefined' &&
    heap instanceof Uint8Array &&
    heap.buffer instanceof SharedArrayBuffer;
  const locate = isObject(module) ? module['locateFile'] : undefined;
  let binary = 'unknown';
  if (typeof locate === 'function') {
    const located: unknown = locate(WASM_BINARIES.plain, '');
    if (typeof located === 'string') binary = located;
  }
  // Prefer the file tfjs resolved; fall back to its rule when a file map renamed the binaries.
  const named = FLAVOURS.find((f) => binary.split('/').pop() === WASM_BINARIES[f]);
  const flavour: WasmFlavour =
    named ??
    (simdSupported && threadsSupported ? 'threaded-simd' : simdSupported ? 'simd' : 'plain');
  const threads = flavour === 'threaded-simd' && sharedHeap;
  // The module's own get_threads_count, which is what tfjs's getThreadsCount() caches.
  const api = isObject(module) ? module['tfjs'] : undefined;
  const getThreadsCount = isObject(api) ? api['getThreadsCount'] : undefined;
  const n: unknown = typeof getThreadsCount === 'function' ? getThreadsCount() : undefined;
  const threadsCount = typeof n === 'number' ? n : 1;
  return {
    flavour,
    binary,
    simd: flavour !== 'plain',
    threads,
    threadsCount,
    simdSupported,
    threadsSupported,
  };
};
