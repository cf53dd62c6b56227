import type { TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from '@bijective/core';
import type { NativeAddon } from '../addon.js';
import {
  type KernelArgs,
  axisAttr,
  boolAttr,
  cpuStorage,
  float32Result,
  float32Values,
} from './kernelArgs.js';
import { float32Output } from './outputStorage.js';

/** The addon's reduction codes (native/kernels.h `ReduceOp`). */
export const REDUCE_OPS = { Sum: 0, Max: 1 } as const;

/**
 * x of `shape` viewed as [outer, red, inner] when `axes` is one contiguous
 * block of dims (the reduction the addon runs without a transpose), else
 * undefined.
 *
 * @example
 * ```ts
 * reductionView([3, 17, 33], [1]);    // { outer: 3, red: 17, inner: 33 }
 * reductionView([3, 17, 33], [0, 2]); // undefined: the cpu kernel transposes
 * ```
 */
export const reductionView = (
  shape: readonly number[],
  axes: readonly number[],
): { outer: number; red: number; inner: number } | undefined => {
  const sorted = [...new Set(axes)].sort((p, q) => p - q);
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  if (first === undefined || last === undefined || last - first + 1 !== sorted.length)
    return undefined;
  return {
    outer: tf.util.sizeFromShape(shape.slice(0, first)),
    red: tf.util.sizeFromShape(shape.slice(first, last + 1)),
    inner: tf.util.sizeFromShape(shape.slice(last + 1)),
  };
};

/**
 * Native `Sum` / `Max` over a contiguous block of axes of a float32 tensor
 * (leading, trailing or middle), with keepDims, reading x in place and
 * without tfjs-backend-cpu's transpose. Sums accumulate in double like the
 * cpu kernel's JS numbers; Max propagates NaN like it. Returns undefined for
 * scattered axes, empty inputs and other dtypes (the cpu kernel runs).
 */
export const nativeReduce =
  (addon: NativeAddon, op: number, axisKey: string) =>
  (args: KernelArgs): TensorInfo | undefined => {
    const backend = cpuStorage(args);
    const x = args.inputs['x'];
    const xv = float32Values(backend, x);
    if (x === undefined || xv === undefined) return undefined;
    let axes: number[];
    try {
      const axis = axisAttr(args.attrs, axisKey);
      axes = axis === undefined ? x.shape.map((_, i) => i) : tf.util.parseAxisParam(axis, x.shape);
    } catch {
      return undefined;
    }
    const view = reductionView(x.shape, axes);
    if (view === undefined || view.red === 0 || view.outer * view.inner === 0) return undefined;
    const [outShape] = tf.backend_util.computeOutAndReduceShapes(x.shape, axes);
    const shape = boolAttr(args.attrs, 'keepDims')
      ? tf.backend_util.expandShapeToKeepDim(outShape, axes)
      : outShape;
    const out = float32Output(backend, view.outer * view.inner);
    addon.reduce(op, xv, out, view.outer, view.red, view.inner);
    return float32Result(backend, shape, out);
  };
