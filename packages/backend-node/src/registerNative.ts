import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { tf } from '@bijective/core';
import {
  FUSED_ADAM,
  FUSED_ADAM_MULTI,
  FUSED_AFFINE,
  FUSED_AFFINE_GRAD,
  FUSED_FIELD_TRACE,
  FUSED_FIELD_TRACE_GRAD,
  FUSED_MLP,
  FUSED_MLP_GRAD,
  FUSED_SPLINE,
  FUSED_SPLINE_GRAD,
  SQUARED_NORM,
  STANDARD_NORMAL_LOG_PROB,
  STANDARD_NORMAL_LOG_PROB_GRAD,
} from '@bijective/core/backend';
import type { NativeAddon } from './addon.js';
import { BINARY_OPS, nativeBinary } from './kernels/binary.js';
import { type KernelArgs, withFallback } from './kernels/kernelArgs.js';
import {
  nativeConcat,
  nativePadV2,
  nativeSlice,
  nativeSoftmax,
  nativeSplitV,
  nativeTranspose,
} from './kernels/layout.js';
import { nativeMatMul } from './kernels/matMul.js';
import {
  COMPARE_OPS,
  nativeCompare,
  nativeCumsum,
  nativeGatherV2,
  nativeSelect,
  nativeTile,
} from './kernels/select.js';
import { REDUCE_OPS, nativeReduce } from './kernels/reduce.js';
import { nativeFusedAdam, nativeFusedAdamMulti, nativeSquaredNorm } from './kernels/optimizer.js';
import { nativeFusedMlp, nativeFusedMlpGrad } from './kernels/mlp.js';
import { nativeFieldTrace, nativeFieldTraceGrad } from './kernels/fieldTrace.js';
import {
  nativeAffine,
  nativeAffineGrad,
  nativeSpline,
  nativeSplineGrad,
  nativeStdNormalLogProb,
  nativeStdNormalLogProbGrad,
} from './kernels/elementMaps.js';
import { UNARY_OPS, nativeUnary, nativeUnaryParam } from './kernels/unary.js';
import { withOutputRecycling } from './kernels/outputStorage.js';

/** The tfjs backend name the native backend registers. */
export const NATIVE_BACKEND_NAME = 'native';

type NativeKernel = (args: KernelArgs) => TensorInfo | TensorInfo[] | undefined;

/**
 * Kernels added for the flows' glue code: strided copies and softmax
 * (kernels/layout.ts), comparisons, select, gather, cumsum and tile
 * (kernels/select.ts), Step and ClipByValue (kernels/unary.ts).
 */
const LAYOUT_KERNELS: Readonly<Record<string, (addon: NativeAddon) => NativeKernel>> = {
  Slice: nativeSlice,
  SplitV: nativeSplitV,
  Transpose: nativeTranspose,
  Concat: nativeConcat,
  PadV2: nativePadV2,
  Softmax: nativeSoftmax,
  Select: nativeSelect,
  GatherV2: nativeGatherV2,
  Cumsum: nativeCumsum,
  Tile: nativeTile,
  Step: (addon) => nativeUnaryParam(addon, 'Step'),
  ClipByValue: (addon) => nativeUnaryParam(addon, 'ClipByValue'),
  ...Object.fromEntries(
    Object.entries(COMPARE_OPS).map(([name, op]) => [
      name,
      (addon: NativeAddon) => nativeCompare(addon, op),
    ]),
  ),
};

/**
 * Kernels the native backend implements in the addon (each still falls back
 * to tfjs-backend-cpu's kernel for inputs it does not handle, e.g. int32).
 * Every other kernel is tfjs-backend-cpu's, re-registered unchanged.
 */
export const NATIVE_KERNELS: readonly string[] = [
  'BatchMatMul',
  '_FusedMatMul',
  ...Object.keys(BINARY_OPS),
  ...Object.keys(UNARY_OPS),
  'Sum',
  'Max',
  ...Object.keys(LAYOUT_KERNELS),
  FUSED_ADAM,
  FUSED_ADAM_MULTI,
  SQUARED_NORM,
  FUSED_MLP,
  FUSED_MLP_GRAD,
  FUSED_SPLINE,
  FUSED_SPLINE_GRAD,
  FUSED_AFFINE,
  FUSED_AFFINE_GRAD,
  STANDARD_NORMAL_LOG_PROB,
  STANDARD_NORMAL_LOG_PROB_GRAD,
  FUSED_FIELD_TRACE,
  FUSED_FIELD_TRACE_GRAD,
];

const nativeKernel = (addon: NativeAddon, name: string): NativeKernel | undefined => {
  const layout = LAYOUT_KERNELS[name];
  if (layout !== undefined) return layout(addon);
  if (name === 'BatchMatMul') return nativeMatMul(addon, false);
  if (name === '_FusedMatMul') return nativeMatMul(addon, true);
  if (name === 'Sum') return nativeReduce(addon, REDUCE_OPS.Sum, 'axis');
  if (name === 'Max') return nativeReduce(addon, REDUCE_OPS.Max, 'reductionIndices');
  const binary = BINARY_OPS[name];
  if (binary !== undefined) return nativeBinary(addon, binary);
  const unary = UNARY_OPS[name];
  if (unary !== undefined) return nativeUnary(addon, unary);
  return undefined;
};

let registered = false;

/** Whether {@link registerNativeBackend} has run in this process. */
export const nativeBackendRegistered = (): boolean => registered;

/**
 * Register the tfjs backend `native`: a fresh `MathBackendCPU` (so tensors
 * live in the same Float32Array storage as on `cpu`), every kernel of
 * `tf.getKernelsForBackend('cpu')` copied for `native`, and the kernels in
 * {@link NATIVE_KERNELS} replaced by addon calls that fall back to the cpu
 * kernel for unsupported inputs. Gradients are registered per kernel name,
 * not per backend, so autodiff works unchanged. Idempotent; priority 0, so
 * tfjs never picks `native` by itself (use `useBackend(nativeBackend())`).
 *
 * @example
 * ```ts
 * const addon = loadNativeAddon();
 * if (E.isRight(addon)) registerNativeBackend(addon.right);
 * await tf.setBackend('native');
 * ```
 */
export const registerNativeBackend = (addon: NativeAddon): void => {
  if (registered) return;
  if (tf.findBackendFactory(NATIVE_BACKEND_NAME) === null) {
    tf.registerBackend(NATIVE_BACKEND_NAME, () => withOutputRecycling(new MathBackendCPU()), 0);
  }
  for (const config of tf.getKernelsForBackend('cpu')) {
    const native = nativeKernel(addon, config.kernelName);
    const kernel: KernelConfig = {
      ...config,
      backendName: NATIVE_BACKEND_NAME,
      ...(native === undefined ? {} : { kernelFunc: withFallback(config, native) }),
    };
    if (tf.getKernel(config.kernelName, NATIVE_BACKEND_NAME) !== undefined) {
      tf.unregisterKernel(config.kernelName, NATIVE_BACKEND_NAME);
    }
    tf.registerKernel(kernel);
  }
  // Core's optional fused kernels (tfjs has no cpu version of these to copy).
  const fused: Readonly<Record<string, NativeKernel>> = {
    [FUSED_ADAM]: nativeFusedAdam(addon),
    [FUSED_ADAM_MULTI]: nativeFusedAdamMulti(addon),
    [SQUARED_NORM]: nativeSquaredNorm(addon),
    [FUSED_MLP]: nativeFusedMlp(addon),
    [FUSED_MLP_GRAD]: nativeFusedMlpGrad(addon),
    [FUSED_SPLINE]: nativeSpline(addon),
    [FUSED_SPLINE_GRAD]: nativeSplineGrad(addon),
    [FUSED_AFFINE]: nativeAffine(addon),
    [FUSED_AFFINE_GRAD]: nativeAffineGrad(addon),
    [STANDARD_NORMAL_LOG_PROB]: nativeStdNormalLogProb(addon),
    [STANDARD_NORMAL_LOG_PROB_GRAD]: nativeStdNormalLogProbGrad(addon),
    [FUSED_FIELD_TRACE]: nativeFieldTrace(addon),
    [FUSED_FIELD_TRACE_GRAD]: nativeFieldTraceGrad(addon),
  };
  for (const [kernelName, kernel] of Object.entries(fused)) {
    if (tf.getKernel(kernelName, NATIVE_BACKEND_NAME) !== undefined)
      tf.unregisterKernel(kernelName, NATIVE_BACKEND_NAME);
    tf.registerKernel({
      kernelName,
      backendName: NATIVE_BACKEND_NAME,
      kernelFunc: (args) => kernel(args) ?? [],
    });
  }
  registered = true;
};
