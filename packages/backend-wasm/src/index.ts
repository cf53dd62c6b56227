/**
 * `@bijective/backend-wasm`: the WASM-SIMD backend plugin (`wasmBackend()`), its options, and what
 * `describe()` reports (which binary loaded). The kernels and gradients it installs are on
 * `@bijective/backend-wasm/kernels`; tfjs's binaries on `@bijective/backend-wasm/wasm/*`.
 *
 * @example
 * ```ts
 * import { useBackend } from '@bijective/core';
 * import { wasmBackend } from '@bijective/backend-wasm';
 * const ready = await useBackend(wasmBackend())(); // Either<BijectiveError, void>
 * ```
 */
export { wasmBackend, type WasmBackendOptions, type WasmFileMap } from './wasmBackend.js';
export { type WasmFlavour, type WasmBinaryInfo, WASM_BINARIES, wasmBinaryInfo } from './binary.js';
