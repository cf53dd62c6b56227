export { nativeBackend, type NativeBackendOptions, NATIVE_BUILD_FIX } from './nativeBackend.js';
export {
  tensorflowBackend,
  type TensorflowBackendOptions,
  TENSORFLOW_BACKEND_NAME,
  TFJS_NODE_FIX,
} from './tensorflowBackend.js';
export {
  loadNativeAddon,
  defaultAddonPath,
  type NativeAddon,
  type NativeAddonInfo,
  type ModuleLoader,
} from './addon.js';
export { addonFileProblem, elfProblem } from './binaryCheck.js';
export {
  registerNativeBackend,
  nativeBackendRegistered,
  NATIVE_BACKEND_NAME,
  NATIVE_KERNELS,
} from './registerNative.js';
export { broadcastPlan, type BroadcastPlan } from './kernels/binary.js';
export { reductionView } from './kernels/reduce.js';
