import { type KernelTable, installKernelTable, uninstallKernelTable } from './kernelTable.js';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '@bijective/core';
import {
  FUSED_AFFINE,
  FUSED_AFFINE_GRAD,
  FUSED_SPLINE,
  FUSED_SPLINE_GRAD,
  STANDARD_NORMAL_LOG_PROB,
  STANDARD_NORMAL_LOG_PROB_GRAD,
  type FusedAffineAttrs,
  type FusedSplineAttrs,
} from '@bijective/core/backend';
import { affineGradLoop, affineLoop } from './kernels/affineLoops.js';
import { splineGradLoop, splineLoop } from './kernels/splineLoops.js';
import { normalLogProbGradLoop, normalLogProbLoop } from './kernels/normalLoops.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];
type HeapBackend = Pick<BackendWasm, 'makeOutput' | 'typedArrayFromHeap'>;

const isHeapBackend = (b: unknown): b is HeapBackend =>
  typeof b === 'object' &&
  b !== null &&
  'makeOutput' in b &&
  'typedArrayFromHeap' in b &&
  typeof b.makeOutput === 'function' &&
  typeof b.typedArrayFromHeap === 'function';

const num = (attrs: KernelArgs['attrs'], key: string): number => {
  const v = attrs?.[key];
  if (typeof v !== 'number')
    throw new Error(`fused element map: attribute ${key} must be a number`);
  return v;
};
const bool = (attrs: KernelArgs['attrs'], key: string): boolean => attrs?.[key] === true;

const splineAttrs = (attrs: KernelArgs['attrs']): FusedSplineAttrs => ({
  bins: num(attrs, 'bins'),
  bound: num(attrs, 'bound'),
  minBinSize: num(attrs, 'minBinSize'),
  minDerivative: num(attrs, 'minDerivative'),
  zuko: bool(attrs, 'zuko'),
  inverse: bool(attrs, 'inverse'),
});
const affineAttrs = (attrs: KernelArgs['attrs']): FusedAffineAttrs => ({
  bound: num(attrs, 'bound'),
  inverse: bool(attrs, 'inverse'),
});

/** `x` `[rows, dim]` and `raw` `[rows, dim, perDim]` (float32), checked. */
const shapes = (
  args: KernelArgs,
  perDim: number,
): { x: tf.TensorInfo; raw: tf.TensorInfo; rows: number; dim: number } => {
  const { x, raw } = args.inputs;
  if (x === undefined || raw === undefined) throw new Error('fused element map: needs x and raw');
  const [rows, dim] = x.shape;
  if (
    x.shape.length !== 2 ||
    rows === undefined ||
    dim === undefined ||
    raw.shape.length !== 3 ||
    raw.shape[0] !== rows ||
    raw.shape[1] !== dim ||
    raw.shape[2] !== perDim ||
    x.dtype !== 'float32' ||
    raw.dtype !== 'float32'
  )
    throw new Error(
      `fused element map: x [rows, dim] and raw [rows, dim, ${perDim}] float32, got [${x.shape.join(', ')}] and [${raw.shape.join(', ')}]`,
    );
  return { x, raw, rows, dim };
};

const heapOf = (args: KernelArgs): HeapBackend => {
  if (!isHeapBackend(args.backend)) throw new Error('fused element map: not the wasm backend');
  return args.backend;
};

const f32 = (b: HeapBackend, t: tf.TensorInfo): Float32Array => {
  const v = b.typedArrayFromHeap(t);
  if (!(v instanceof Float32Array)) throw new Error('fused element map: expected float32 storage');
  return v;
};

type Loop<A> = (
  x: Float32Array,
  raw: Float32Array,
  rows: number,
  dim: number,
  attrs: A,
  out: Float32Array,
  lad: Float32Array,
  logDet: Float32Array,
) => void;
type GradLoop<A> = (
  x: Float32Array,
  raw: Float32Array,
  dOut: Float32Array | null,
  dLad: Float32Array | null,
  dLogDet: Float32Array | null,
  rows: number,
  dim: number,
  attrs: A,
  dx: Float32Array,
  dRaw: Float32Array,
) => void;

/** A forward kernel: outputs allocated first (allocation may grow, and so move, the heap), then views. */
const forwardKernel =
  <A>(perDim: (a: A) => number, read: (attrs: KernelArgs['attrs']) => A, loop: Loop<A>) =>
  (args: KernelArgs): tf.TensorInfo[] => {
    const a = read(args.attrs);
    const { x, raw, rows, dim } = shapes(args, perDim(a));
    const b = heapOf(args);
    const outs = [
      b.makeOutput([rows, dim], 'float32'),
      b.makeOutput([rows, dim], 'float32'),
      b.makeOutput([rows], 'float32'),
    ] as const;
    loop(f32(b, x), f32(b, raw), rows, dim, a, f32(b, outs[0]), f32(b, outs[1]), f32(b, outs[2]));
    return [...outs];
  };

const backwardKernel =
  <A>(perDim: (a: A) => number, read: (attrs: KernelArgs['attrs']) => A, loop: GradLoop<A>) =>
  (args: KernelArgs): tf.TensorInfo[] => {
    const a = read(args.attrs);
    const { x, raw, rows, dim } = shapes(args, perDim(a));
    const b = heapOf(args);
    const dx = b.makeOutput([rows, dim], 'float32');
    const dRaw = b.makeOutput([rows, dim, perDim(a)], 'float32');
    const { dOut, dLogAbsDeriv, dLogDet } = args.inputs;
    const view = (t: tf.TensorInfo | undefined): Float32Array | null =>
      t === undefined ? null : f32(b, t);
    loop(
      f32(b, x),
      f32(b, raw),
      view(dOut),
      view(dLogAbsDeriv),
      view(dLogDet),
      rows,
      dim,
      a,
      f32(b, dx),
      f32(b, dRaw),
    );
    return [dx, dRaw];
  };

/** `z` `[rows, dim]` and a `[rows]` float32 companion (`logDet` or `dy`), checked. */
const rowsShape = (z: tf.TensorInfo | undefined, perRow: tf.TensorInfo | undefined) => {
  const rows = z?.shape[0];
  const dim = z?.shape[1];
  if (
    z === undefined ||
    perRow === undefined ||
    rows === undefined ||
    dim === undefined ||
    z.shape.length !== 2 ||
    perRow.shape.length !== 1 ||
    perRow.shape[0] !== rows ||
    z.dtype !== 'float32' ||
    perRow.dtype !== 'float32'
  )
    throw new Error(
      'standard-normal log-density: needs float32 z [rows, dim] and a [rows] operand',
    );
  return { z, perRow, rows, dim };
};

const normalLogProb = (args: KernelArgs): tf.TensorInfo => {
  const { z, perRow, rows, dim } = rowsShape(args.inputs.z, args.inputs.logDet);
  const b = heapOf(args);
  const out = b.makeOutput([rows], 'float32');
  normalLogProbLoop(f32(b, z), f32(b, perRow), rows, dim, num(args.attrs, 'sign'), f32(b, out));
  return out;
};

const normalLogProbGrad = (args: KernelArgs): tf.TensorInfo[] => {
  const { z, perRow, rows, dim } = rowsShape(args.inputs.z, args.inputs.dy);
  const b = heapOf(args);
  const dz = b.makeOutput([rows, dim], 'float32');
  const dLogDet = b.makeOutput([rows], 'float32');
  const sign = num(args.attrs, 'sign');
  normalLogProbGradLoop(f32(b, z), f32(b, perRow), rows, dim, sign, f32(b, dz), f32(b, dLogDet));
  return [dz, dLogDet];
};

const splinePerDim = (a: FusedSplineAttrs): number => 3 * a.bins - 1;
const affinePerDim = (): number => 2;

/** The kernels this module registers for `wasm`, by name. */
const KERNELS: KernelTable = {
  [FUSED_SPLINE]: forwardKernel(splinePerDim, splineAttrs, splineLoop),
  [FUSED_SPLINE_GRAD]: backwardKernel(splinePerDim, splineAttrs, splineGradLoop),
  [FUSED_AFFINE]: forwardKernel(affinePerDim, affineAttrs, affineLoop),
  [FUSED_AFFINE_GRAD]: backwardKernel(affinePerDim, affineAttrs, affineGradLoop),
  [STANDARD_NORMAL_LOG_PROB]: normalLogProb,
  [STANDARD_NORMAL_LOG_PROB_GRAD]: normalLogProbGrad,
};

/**
 * Register core's fused element-map kernels (`FUSED_SPLINE`, `FUSED_AFFINE` and
 * their backward kernels) and the fused standard-normal log-density
 * (`STANDARD_NORMAL_LOG_PROB`) for the `wasm` backend, as JavaScript loops
 * (`kernels/splineLoops.ts`, `kernels/affineLoops.ts`, `kernels/normalLoops.ts`) reading and writing
 * the tensors in place on the wasm heap: one kernel call per element map and
 * direction instead of the composite ops' dozens (about a hundred for the
 * spline). Idempotent; returns `true` if it registered them now.
 *
 * @example
 * ```ts
 * installFusedElementMapKernels();
 * hasFusedKernel(FUSED_SPLINE); // true while wasm is the active backend
 * ```
 */
export const installFusedElementMapKernels = (): boolean => installKernelTable(KERNELS);

/** Remove the kernels of {@link installFusedElementMapKernels} (for comparisons with the composite ops). */
export const uninstallFusedElementMapKernels = (): boolean => uninstallKernelTable(KERNELS);
