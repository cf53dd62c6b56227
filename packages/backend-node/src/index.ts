/**
 * `@bijective/backend-node`: the native backend plugin (`nativeBackend()`) and the bridge to
 * `@tensorflow/tfjs-node` (`tensorflowBackend()`), their options, backend names and the fix each
 * failure message carries. The addon loader and kernel registration are on
 * `@bijective/backend-node/kernels`.
 *
 * @example
 * ```ts
 * import { useBackend } from '@bijective/core';
 * import { nativeBackend } from '@bijective/backend-node';
 * const ready = await useBackend(nativeBackend())(); // Either<BijectiveError, void>
 * ```
 */
export { nativeBackend, type NativeBackendOptions, NATIVE_BUILD_FIX } from './nativeBackend.js';
export {
  tensorflowBackend,
  type TensorflowBackendOptions,
  TENSORFLOW_BACKEND_NAME,
  TFJS_NODE_FIX,
} from './tensorflowBackend.js';
export { NATIVE_BACKEND_NAME } from './registerNative.js';
