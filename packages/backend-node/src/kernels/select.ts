import type { TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from '@bijective/core';
import type { NativeAddon } from '../addon.js';
import { broadcastOperands } from './binary.js';
import {
  type KernelArgs,
  boolAttr,
  cpuStorage,
  float32Result,
  float32Values,
  numberAttr,
} from './kernelArgs.js';
import { copyPlan, rowMajorStrides } from './layout.js';
import { float32Output } from './outputStorage.js';

/** tfjs kernel name -> the addon's comparison code (native/kernels.h `CompareOp`). */
export const COMPARE_OPS: Readonly<Record<string, number>> = {
  Greater: 0,
  GreaterEqual: 1,
  Less: 2,
  LessEqual: 3,
  Equal: 4,
  NotEqual: 5,
};

/**
 * Native broadcasting comparison of two float32 tensors, giving a bool
 * tensor (tfjs-backend-cpu indexes broadcast operands element by element).
 * Returns undefined for other dtypes, so the cpu kernel runs.
 */
export const nativeCompare =
  (addon: NativeAddon, op: number) =>
  (args: KernelArgs): TensorInfo | undefined => {
    const o = broadcastOperands(args);
    if (o === undefined) return undefined;
    const out = new Uint8Array(o.size);
    addon.compare(op, o.av, o.bv, out, o.plan.shape, o.plan.stridesA, o.plan.stridesB);
    return o.backend.makeTensorInfo(o.plan.outShape, 'bool', out);
  };

/** Native `Select` (tf.where) when the bool condition and both float32 branches have the same size. */
export const nativeSelect =
  (addon: NativeAddon) =>
  (args: KernelArgs): TensorInfo | undefined => {
    const backend = cpuStorage(args);
    const { condition, t, e } = args.inputs;
    const tv = float32Values(backend, t);
    const ev = float32Values(backend, e);
    if (condition?.dtype !== 'bool' || t === undefined || tv === undefined || ev === undefined)
      return undefined;
    const cv = backend.data.get(condition.dataId)?.values;
    if (!(cv instanceof Uint8Array) || cv.length !== tv.length || ev.length !== tv.length)
      return undefined;
    if (tv.length === 0) return undefined;
    const out = float32Output(backend, tv.length);
    addon.select(cv, tv, ev, out);
    return float32Result(backend, t.shape, out);
  };

/** Native `GatherV2` of a float32 tensor with int32 indices along one axis (batchDims 0 only). */
export const nativeGatherV2 =
  (addon: NativeAddon) =>
  (args: KernelArgs): TensorInfo | undefined => {
    const backend = cpuStorage(args);
    const { x, indices } = args.inputs;
    const xv = float32Values(backend, x);
    if (x === undefined || xv === undefined || indices?.dtype !== 'int32') return undefined;
    if (numberAttr(args.attrs, 'batchDims', 0) !== 0) return undefined;
    const iv = backend.data.get(indices.dataId)?.values;
    if (!(iv instanceof Int32Array)) return undefined;
    const axis = tf.util.parseAxisParam(numberAttr(args.attrs, 'axis', 0), x.shape)[0] ?? 0;
    const dim = x.shape[axis] ?? 1;
    // Out-of-range indices: let the cpu kernel raise tfjs's own error.
    for (const i of iv) if (i < 0 || i >= dim) return undefined;
    const outer = tf.util.sizeFromShape(x.shape.slice(0, axis));
    const inner = tf.util.sizeFromShape(x.shape.slice(axis + 1));
    const outShape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
    const out = float32Output(backend, outer * iv.length * inner);
    if (out.length > 0) addon.gather(xv, iv, out, outer, dim, inner);
    return float32Result(backend, outShape, out);
  };

/** Native `Cumsum` of a float32 tensor along its last axis (other axes go to the cpu kernel). */
export const nativeCumsum =
  (addon: NativeAddon) =>
  (args: KernelArgs): TensorInfo | undefined => {
    const backend = cpuStorage(args);
    const x = args.inputs['x'];
    const xv = float32Values(backend, x);
    if (x === undefined || xv === undefined || xv.length === 0) return undefined;
    const rank = x.shape.length;
    const axis = numberAttr(args.attrs, 'axis', 0);
    if (rank === 0 || (axis !== rank - 1 && axis !== -1)) return undefined;
    const cols = x.shape[rank - 1] ?? 1;
    const out = float32Output(backend, xv.length);
    addon.cumsum(
      xv,
      out,
      xv.length / cols,
      cols,
      boolAttr(args.attrs, 'exclusive'),
      boolAttr(args.attrs, 'reverse'),
    );
    return float32Result(backend, x.shape, out);
  };

/**
 * Native `Tile` of a float32 tensor as one strided copy: output dim d of
 * size reps[d]*s[d] is split into (reps[d], s[d]) with source strides (0, xs[d]).
 */
export const nativeTile =
  (addon: NativeAddon) =>
  (args: KernelArgs): TensorInfo | undefined => {
    const backend = cpuStorage(args);
    const x = args.inputs['x'];
    const xv = float32Values(backend, x);
    const reps = args.attrs?.['reps'];
    if (x === undefined || xv === undefined || !Array.isArray(reps)) return undefined;
    if (reps.length !== x.shape.length || !reps.every((r) => typeof r === 'number' && r >= 0))
      return undefined;
    const r = reps as number[];
    const outShape = x.shape.map((s, d) => s * (r[d] ?? 1));
    const out = float32Output(backend, tf.util.sizeFromShape(outShape));
    if (out.length > 0) {
      const xs = rowMajorStrides(x.shape);
      const os = rowMajorStrides(outShape);
      const shape = x.shape.flatMap((s, d) => [r[d] ?? 1, s]);
      const sx = x.shape.flatMap((_, d) => [0, xs[d] ?? 0]);
      const so = x.shape.flatMap((s, d) => [s * (os[d] ?? 0), os[d] ?? 0]);
      const p = copyPlan(shape, sx, so);
      addon.copy(xv, out, p.shape, p.stridesX, p.stridesOut);
    }
    return float32Result(backend, outShape, out);
  };
