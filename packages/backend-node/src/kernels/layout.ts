import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from '@bijective/core';
import type { NativeAddon } from '../addon.js';
import {
  type KernelArgs,
  cpuStorage,
  float32Result,
  float32Values,
  numberAttr,
} from './kernelArgs.js';
import { float32Output } from './outputStorage.js';

/** A strided copy as the addon runs it: dims with size 1 dropped and mergeable neighbours merged. */
export type CopyPlan = {
  readonly shape: Int32Array;
  readonly stridesX: Int32Array;
  readonly stridesOut: Int32Array;
};

/** Row-major element strides of `shape`. */
export const rowMajorStrides = (shape: readonly number[]): number[] => {
  const strides = new Array<number>(shape.length).fill(1);
  for (let d = shape.length - 2; d >= 0; d--)
    strides[d] = (strides[d + 1] ?? 1) * (shape[d + 1] ?? 1);
  return strides;
};

/**
 * Plan out[sum i_d*so_d] = x[sum i_d*sx_d] over `shape`: size-1 dims are
 * dropped and neighbouring dims merged where both sides stay contiguous, so
 * a row slice of a [B, D] matrix becomes one flat memcpy.
 *
 * @example
 * ```ts
 * copyPlan([4, 3], [5, 1], [3, 1]); // shape [4, 3], stridesX [5, 1], stridesOut [3, 1]
 * copyPlan([4, 3], [3, 1], [3, 1]); // shape [12]: one contiguous run
 * ```
 */
export const copyPlan = (
  shape: readonly number[],
  sx: readonly number[],
  so: readonly number[],
): CopyPlan => {
  const dims: { size: number; x: number; o: number }[] = [];
  shape.forEach((size, d) => {
    if (size === 1) return;
    const cur = { size, x: sx[d] ?? 0, o: so[d] ?? 0 };
    const prev = dims[dims.length - 1];
    if (prev !== undefined && prev.x === cur.x * cur.size && prev.o === cur.o * cur.size) {
      dims[dims.length - 1] = { size: prev.size * cur.size, x: cur.x, o: cur.o };
    } else {
      dims.push(cur);
    }
  });
  return {
    shape: Int32Array.from(dims, (d) => d.size),
    stridesX: Int32Array.from(dims, (d) => d.x),
    stridesOut: Int32Array.from(dims, (d) => d.o),
  };
};

const copy = (
  addon: NativeAddon,
  x: Float32Array,
  out: Float32Array,
  shape: readonly number[],
  sx: readonly number[],
  so: readonly number[],
): void => {
  if (tf.util.sizeFromShape([...shape]) === 0) return;
  const p = copyPlan(shape, sx, so);
  addon.copy(x, out, p.shape, p.stridesX, p.stridesOut);
};

const numberArrayAttr = (attrs: NamedAttrMap | undefined, key: string): number[] | undefined => {
  const v = attrs?.[key];
  return Array.isArray(v) && v.every((e): e is number => typeof e === 'number') ? v : undefined;
};

/** Slice of x from `begin` with `size` (a strided copy of the window), in a recycled output array. */
const sliceValues = (
  addon: NativeAddon,
  backend: MathBackendCPU,
  xv: Float32Array,
  xShape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
): Float32Array => {
  const strides = rowMajorStrides(xShape);
  const out = float32Output(backend, tf.util.sizeFromShape([...size]));
  if (out.length === 0) return out;
  const offset = begin.reduce((s, b, d) => s + b * (strides[d] ?? 0), 0);
  copy(addon, xv.subarray(offset), out, size, strides, rowMajorStrides(size));
  return out;
};

/**
 * Native `Slice` on a float32 tensor: a strided copy of the window
 * x[begin : begin + size] (tfjs-backend-cpu walks a TensorBuffer element by
 * element for non-contiguous windows, e.g. a column of a [B, D] batch).
 */
export const nativeSlice =
  (addon: NativeAddon) =>
  (args: KernelArgs): TensorInfo | undefined => {
    const backend = cpuStorage(args);
    const x = args.inputs['x'];
    const xv = float32Values(backend, x);
    const beginAttr = numberArrayAttr(args.attrs, 'begin') ?? numberAttr(args.attrs, 'begin', 0);
    const sizeAttr = numberArrayAttr(args.attrs, 'size') ?? numberAttr(args.attrs, 'size', -1);
    if (x === undefined || xv === undefined) return undefined;
    const [begin = [], size = []] = tf.slice_util.parseSliceParams(
      x as tf.TensorInfo as tf.Tensor,
      beginAttr,
      sizeAttr,
    );
    tf.slice_util.assertParamsValid(x as tf.TensorInfo as tf.Tensor, begin, size);
    return float32Result(backend, size, sliceValues(addon, backend, xv, x.shape, begin, size));
  };

/** Native `SplitV` on a float32 tensor: one strided copy per piece along `axis`. */
export const nativeSplitV =
  (addon: NativeAddon) =>
  (args: KernelArgs): TensorInfo[] | undefined => {
    const backend = cpuStorage(args);
    const x = args.inputs['x'];
    const xv = float32Values(backend, x);
    const splits =
      numberArrayAttr(args.attrs, 'numOrSizeSplits') ??
      numberAttr(args.attrs, 'numOrSizeSplits', 1);
    if (x === undefined || xv === undefined) return undefined;
    const axis = tf.util.parseAxisParam(numberAttr(args.attrs, 'axis', 0), x.shape)[0] ?? 0;
    const sizes = tf.backend_util.prepareSplitSize(x as tf.TensorInfo as tf.Tensor, splits, axis);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = [...x.shape];
      size[axis] = s;
      const out = sliceValues(addon, backend, xv, x.shape, begin, size);
      begin[axis] = (begin[axis] ?? 0) + s;
      return float32Result(backend, size, out);
    });
  };

/** Native `Transpose` on a float32 tensor: a copy with permuted source strides. */
export const nativeTranspose =
  (addon: NativeAddon) =>
  (args: KernelArgs): TensorInfo | undefined => {
    const backend = cpuStorage(args);
    const x = args.inputs['x'];
    const xv = float32Values(backend, x);
    const perm = numberArrayAttr(args.attrs, 'perm');
    if (x === undefined || xv === undefined || perm?.length !== x.shape.length) return undefined;
    const xs = rowMajorStrides(x.shape);
    const shape = perm.map((p) => x.shape[p] ?? 1);
    const out = float32Output(backend, xv.length);
    copy(
      addon,
      xv,
      out,
      shape,
      perm.map((p) => xs[p] ?? 0),
      rowMajorStrides(shape),
    );
    return float32Result(backend, shape, out);
  };

/** Native `Concat` of float32 tensors: each input is a strided copy into its slab of the output. */
export const nativeConcat =
  (addon: NativeAddon) =>
  (args: KernelArgs): TensorInfo | undefined => {
    const backend = cpuStorage(args);
    const inputs = Object.values(args.inputs).filter((t): t is TensorInfo => t !== undefined);
    const values = inputs.map((t) => float32Values(backend, t));
    const first = inputs[0];
    if (first === undefined || values.some((v) => v === undefined)) return undefined;
    const axis = tf.util.parseAxisParam(numberAttr(args.attrs, 'axis', 0), first.shape)[0] ?? 0;
    const shapes = inputs.map((t) => t.shape);
    tf.backend_util.assertParamsConsistent(shapes, axis);
    const outShape = tf.backend_util.computeOutShape(shapes, axis);
    const out = float32Output(backend, tf.util.sizeFromShape(outShape));
    const os = rowMajorStrides(outShape);
    let at = 0;
    inputs.forEach((t, i) => {
      const v = values[i];
      if (v !== undefined && v.length > 0)
        copy(addon, v, out.subarray(at * (os[axis] ?? 0)), t.shape, rowMajorStrides(t.shape), os);
      at += t.shape[axis] ?? 0;
    });
    return float32Result(backend, outShape, out);
  };

/** Native `PadV2` of a float32 tensor: fill with the constant, then a strided copy of x inside. */
export const nativePadV2 =
  (addon: NativeAddon) =>
  (args: KernelArgs): TensorInfo | undefined => {
    const backend = cpuStorage(args);
    const x = args.inputs['x'];
    const xv = float32Values(backend, x);
    const paddings = args.attrs?.['paddings'];
    if (x === undefined || xv === undefined || !Array.isArray(paddings)) return undefined;
    const pads: [number, number][] = [];
    for (const p of paddings as unknown[]) {
      if (!Array.isArray(p) || typeof p[0] !== 'number' || typeof p[1] !== 'number')
        return undefined;
      pads.push([p[0], p[1]]);
    }
    if (pads.length !== x.shape.length) return undefined;
    const outShape = x.shape.map((s, d) => (pads[d]?.[0] ?? 0) + s + (pads[d]?.[1] ?? 0));
    const out = float32Output(backend, tf.util.sizeFromShape(outShape));
    out.fill(numberAttr(args.attrs, 'constantValue', 0));
    if (xv.length > 0) {
      const os = rowMajorStrides(outShape);
      const offset = pads.reduce((s, [before], d) => s + before * (os[d] ?? 0), 0);
      copy(addon, xv, out.subarray(offset), x.shape, rowMajorStrides(x.shape), os);
    }
    return float32Result(backend, outShape, out);
  };

/** Native `Softmax` over the last axis of a float32 tensor: exp(x - rowmax) / rowsum in one pass per row. */
export const nativeSoftmax =
  (addon: NativeAddon) =>
  (args: KernelArgs): TensorInfo | undefined => {
    const backend = cpuStorage(args);
    const x = args.inputs['logits'];
    const xv = float32Values(backend, x);
    if (x === undefined || xv === undefined || xv.length === 0) return undefined;
    const rank = x.shape.length;
    const dim = numberAttr(args.attrs, 'dim', -1);
    if (rank === 0 || (dim !== -1 && dim !== rank - 1)) return undefined;
    const cols = x.shape[rank - 1] ?? 1;
    const out = float32Output(backend, xv.length);
    addon.softmax(xv, out, xv.length / cols, cols);
    return float32Result(backend, x.shape, out);
  };
