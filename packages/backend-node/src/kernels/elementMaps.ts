import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from '../addon.js';
import {
  type KernelArgs,
  boolAttr,
  cpuStorage,
  float32Result,
  float32Values,
  numberAttr,
} from './kernelArgs.js';
import { float32Output } from './outputStorage.js';

/** `x` `[rows, dim]` and `raw` `[rows, dim, perDim]` as float32 storage, or an error naming the kernel. */
const operands = (
  kernel: string,
  backend: MathBackendCPU,
  args: KernelArgs,
  perDim: number,
): { x: Float32Array; raw: Float32Array; rows: number; dim: number } => {
  const { x, raw } = args.inputs;
  const xv = float32Values(backend, x);
  const rv = float32Values(backend, raw);
  const rows = x?.shape[0];
  const dim = x?.shape[1];
  if (
    xv === undefined ||
    rv === undefined ||
    rows === undefined ||
    dim === undefined ||
    x?.shape.length !== 2 ||
    raw?.shape.length !== 3 ||
    raw.shape[0] !== rows ||
    raw.shape[1] !== dim ||
    raw.shape[2] !== perDim
  )
    throw new Error(
      `${kernel}: needs float32 x [rows, dim] and raw [rows, dim, ${perDim}], got [${x?.shape.join(', ') ?? ''}] and [${raw?.shape.join(', ') ?? ''}]`,
    );
  return { x: xv, raw: rv, rows, dim };
};

/** An optional cotangent input as float32 storage (null when absent). */
const cotangent = (backend: MathBackendCPU, t: TensorInfo | undefined): Float32Array | null =>
  t === undefined ? null : (float32Values(backend, t) ?? null);

const splineSettings = (args: KernelArgs) => {
  const bins = numberAttr(args.attrs, 'bins', Number.NaN);
  return {
    bins,
    perDim: 3 * bins - 1,
    bound: numberAttr(args.attrs, 'bound', Number.NaN),
    minBinSize: numberAttr(args.attrs, 'minBinSize', Number.NaN),
    minDerivative: numberAttr(args.attrs, 'minDerivative', Number.NaN),
    zuko: boolAttr(args.attrs, 'zuko'),
    inverse: boolAttr(args.attrs, 'inverse'),
  };
};

/**
 * Native `BijectiveRQSpline` (core's `FUSED_SPLINE`): the whole
 * rational-quadratic spline element map, `[out, logAbsDeriv, logDet]`, in one
 * addon call (`native/spline.cc`) instead of about a hundred tfjs ops.
 */
export const nativeSpline =
  (addon: NativeAddon) =>
  (args: KernelArgs): TensorInfo[] => {
    const backend = cpuStorage(args);
    const s = splineSettings(args);
    const { x, raw, rows, dim } = operands('BijectiveRQSpline', backend, args, s.perDim);
    const out = float32Output(backend, rows * dim);
    const lad = float32Output(backend, rows * dim);
    const logDet = float32Output(backend, rows);
    addon.spline(
      x,
      raw,
      out,
      lad,
      logDet,
      rows,
      dim,
      s.bins,
      s.bound,
      s.minBinSize,
      s.minDerivative,
      s.zuko,
      s.inverse,
    );
    return [
      float32Result(backend, [rows, dim], out),
      float32Result(backend, [rows, dim], lad),
      float32Result(backend, [rows], logDet),
    ];
  };

/** Native `BijectiveRQSplineGrad` (core's `FUSED_SPLINE_GRAD`): `[dx, dRaw]` in one addon call. */
export const nativeSplineGrad =
  (addon: NativeAddon) =>
  (args: KernelArgs): TensorInfo[] => {
    const backend = cpuStorage(args);
    const s = splineSettings(args);
    const { x, raw, rows, dim } = operands('BijectiveRQSplineGrad', backend, args, s.perDim);
    const { dOut, dLogAbsDeriv, dLogDet } = args.inputs;
    const dx = float32Output(backend, rows * dim);
    const dRaw = float32Output(backend, raw.length);
    addon.splineGrad(
      x,
      raw,
      cotangent(backend, dOut),
      cotangent(backend, dLogAbsDeriv),
      cotangent(backend, dLogDet),
      dx,
      dRaw,
      rows,
      dim,
      s.bins,
      s.bound,
      s.minBinSize,
      s.minDerivative,
      s.zuko,
      s.inverse,
    );
    return [
      float32Result(backend, [rows, dim], dx),
      float32Result(backend, [rows, dim, s.perDim], dRaw),
    ];
  };

/**
 * Native `BijectiveAffineMap` (core's `FUSED_AFFINE`): the soft-clamped affine
 * element map and its row log-det in one addon call (`native/affine.cc`).
 */
export const nativeAffine =
  (addon: NativeAddon) =>
  (args: KernelArgs): TensorInfo[] => {
    const backend = cpuStorage(args);
    const { x, raw, rows, dim } = operands('BijectiveAffineMap', backend, args, 2);
    const out = float32Output(backend, rows * dim);
    const lad = float32Output(backend, rows * dim);
    const logDet = float32Output(backend, rows);
    addon.affine(
      x,
      raw,
      out,
      lad,
      logDet,
      rows,
      dim,
      numberAttr(args.attrs, 'bound', Number.NaN),
      boolAttr(args.attrs, 'inverse'),
    );
    return [
      float32Result(backend, [rows, dim], out),
      float32Result(backend, [rows, dim], lad),
      float32Result(backend, [rows], logDet),
    ];
  };

/** Native `BijectiveAffineMapGrad` (core's `FUSED_AFFINE_GRAD`): `[dx, dRaw]` in one addon call. */
export const nativeAffineGrad =
  (addon: NativeAddon) =>
  (args: KernelArgs): TensorInfo[] => {
    const backend = cpuStorage(args);
    const { x, raw, rows, dim } = operands('BijectiveAffineMapGrad', backend, args, 2);
    const { dOut, dLogAbsDeriv, dLogDet } = args.inputs;
    const dx = float32Output(backend, rows * dim);
    const dRaw = float32Output(backend, raw.length);
    addon.affineGrad(
      x,
      raw,
      cotangent(backend, dOut),
      cotangent(backend, dLogAbsDeriv),
      cotangent(backend, dLogDet),
      dx,
      dRaw,
      rows,
      dim,
      numberAttr(args.attrs, 'bound', Number.NaN),
      boolAttr(args.attrs, 'inverse'),
    );
    return [float32Result(backend, [rows, dim], dx), float32Result(backend, [rows, dim, 2], dRaw)];
  };

/** `z` `[rows, dim]` float32 storage and a `[rows]` companion input, or an error naming the kernel. */
const rowsOperands = (
  kernel: string,
  backend: MathBackendCPU,
  z: TensorInfo | undefined,
  perRow: TensorInfo | undefined,
): { z: Float32Array; perRow: Float32Array; rows: number; dim: number } => {
  const zv = float32Values(backend, z);
  const pv = float32Values(backend, perRow);
  const rows = z?.shape[0];
  const dim = z?.shape[1];
  if (
    zv === undefined ||
    pv === undefined ||
    rows === undefined ||
    dim === undefined ||
    z?.shape.length !== 2 ||
    perRow?.shape.length !== 1 ||
    perRow.shape[0] !== rows
  )
    throw new Error(`${kernel}: needs float32 z [rows, dim] and a float32 [rows] operand`);
  return { z: zv, perRow: pv, rows, dim };
};

/**
 * Native `BijectiveStdNormalLogProb` (core's `STANDARD_NORMAL_LOG_PROB`):
 * `-½ Σ z² - (d/2) log 2π + sign · logDet` per row in one addon call.
 */
export const nativeStdNormalLogProb =
  (addon: NativeAddon) =>
  (args: KernelArgs): TensorInfo => {
    const backend = cpuStorage(args);
    const { z, perRow, rows, dim } = rowsOperands(
      'BijectiveStdNormalLogProb',
      backend,
      args.inputs.z,
      args.inputs.logDet,
    );
    const out = float32Output(backend, rows);
    addon.stdNormalLogProb(z, perRow, out, rows, dim, numberAttr(args.attrs, 'sign', 1));
    return float32Result(backend, [rows], out);
  };

/** Native `BijectiveStdNormalLogProbGrad`: `[dz, dLogDet]` in one addon call. */
export const nativeStdNormalLogProbGrad =
  (addon: NativeAddon) =>
  (args: KernelArgs): TensorInfo[] => {
    const backend = cpuStorage(args);
    const { z, perRow, rows, dim } = rowsOperands(
      'BijectiveStdNormalLogProbGrad',
      backend,
      args.inputs.z,
      args.inputs.dy,
    );
    const dz = float32Output(backend, rows * dim);
    const dLogDet = float32Output(backend, rows);
    addon.stdNormalLogProbGrad(
      z,
      perRow,
      dz,
      dLogDet,
      rows,
      dim,
      numberAttr(args.attrs, 'sign', 1),
    );
    return [float32Result(backend, [rows, dim], dz), float32Result(backend, [rows], dLogDet)];
  };
