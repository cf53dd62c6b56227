/**
 * `@bijective/backend-node/kernels`: the machinery under `nativeBackend()` — loading and checking
 * the N-API addon, registering its kernels under the `native` backend name, and the shape helpers
 * the kernels share. For profiling, tests and writing kernels; users select the backend with
 * `useBackend(nativeBackend())` from the main entry.
 *
 * @example
 * ```ts
 * import { NATIVE_KERNELS, defaultAddonPath, loadNativeAddon } from '@bijective/backend-node/kernels';
 * const addon = loadNativeAddon(defaultAddonPath); // Either<string, NativeAddon>
 * console.log(NATIVE_KERNELS.length, 'kernels registered by useBackend(nativeBackend())');
 * ```
 */
export {
  loadNativeAddon,
  defaultAddonPath,
  type NativeAddon,
  type NativeAddonInfo,
  type ModuleLoader,
} from '../addon.js';
export { addonFileProblem, elfProblem } from '../binaryCheck.js';
export {
  registerNativeBackend,
  nativeBackendRegistered,
  NATIVE_KERNELS,
} from '../registerNative.js';
export { broadcastPlan, type BroadcastPlan } from '../kernels/binary.js';
export { reductionView } from '../kernels/reduce.js';
