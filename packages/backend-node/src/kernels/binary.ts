import type { TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from '@bijective/core';
import type { NativeAddon } from '../addon.js';
import { type KernelArgs, cpuStorage, float32Result, float32Values } from './kernelArgs.js';
import { float32Output } from './outputStorage.js';

/** tfjs kernel name -> the addon's binary op code (native/kernels.h `BinaryOp`). */
export const BINARY_OPS: Readonly<Record<string, number>> = {
  Add: 0,
  Sub: 1,
  Multiply: 2,
  RealDiv: 3,
  Maximum: 4,
  Minimum: 5,
  SquaredDifference: 6,
};

/** Output shape and per-dim element strides of both operands (0 where broadcast), with dims merged where possible. */
export type BroadcastPlan = {
  readonly outShape: number[];
  readonly shape: Int32Array;
  readonly stridesA: Int32Array;
  readonly stridesB: Int32Array;
};

const paddedStrides = (shape: readonly number[], outShape: readonly number[]): number[] => {
  const rank = outShape.length;
  const padded = [...Array<number>(rank - shape.length).fill(1), ...shape];
  const strides = new Array<number>(rank).fill(0);
  let s = 1;
  for (let d = rank - 1; d >= 0; d--) {
    const size = padded[d] ?? 1;
    strides[d] = size === 1 ? 0 : s;
    s *= size;
  }
  return strides;
};

/**
 * Plan numpy-style broadcasting of a and b: drop size-1 output dims and merge
 * neighbouring dims along which both operands stay contiguous (or both stay
 * broadcast), so `[B, D] + [D]` becomes a 2-d loop and same-shape ops a 1-d one.
 *
 * @example
 * ```ts
 * const p = broadcastPlan([33, 17], [17]);
 * // p.outShape = [33, 17], p.shape = [33, 17], p.stridesA = [17, 1], p.stridesB = [0, 1]
 * broadcastPlan([2, 3, 4], [2, 3, 4]).shape; // [24]: one flat loop
 * ```
 */
export const broadcastPlan = (
  aShape: readonly number[],
  bShape: readonly number[],
): BroadcastPlan => {
  const outShape = tf.backend_util.assertAndGetBroadcastShape([...aShape], [...bShape]);
  const sa = paddedStrides(aShape, outShape);
  const sb = paddedStrides(bShape, outShape);
  const dims: { size: number; a: number; b: number }[] = [];
  outShape.forEach((size, d) => {
    if (size === 1) return;
    const cur = { size, a: sa[d] ?? 0, b: sb[d] ?? 0 };
    const prev = dims[dims.length - 1];
    if (prev !== undefined && prev.a === cur.a * cur.size && prev.b === cur.b * cur.size) {
      dims[dims.length - 1] = { size: prev.size * cur.size, a: cur.a, b: cur.b };
    } else {
      dims.push(cur);
    }
  });
  return {
    outShape,
    shape: Int32Array.from(dims, (d) => d.size),
    stridesA: Int32Array.from(dims, (d) => d.a),
    stridesB: Int32Array.from(dims, (d) => d.b),
  };
};

const plans = new Map<string, BroadcastPlan | undefined>();
const MAX_CACHED_PLANS = 4096;

/**
 * {@link broadcastPlan} memoised on the two shapes (a training step repeats
 * the same few hundred shape pairs every call, and planning costs about as
 * much as a small kernel); undefined for shapes that do not broadcast.
 */
const cachedPlan = (
  aShape: readonly number[],
  bShape: readonly number[],
): BroadcastPlan | undefined => {
  const key = `${aShape.join(',')}|${bShape.join(',')}`;
  if (plans.has(key)) return plans.get(key);
  let plan: BroadcastPlan | undefined;
  try {
    plan = broadcastPlan(aShape, bShape);
  } catch {
    plan = undefined;
  }
  if (plans.size >= MAX_CACHED_PLANS) plans.clear();
  plans.set(key, plan);
  return plan;
};

/**
 * The two float32 operands of a broadcasting binary kernel, read in place,
 * with their broadcast plan and output size; undefined (so the cpu kernel
 * runs and raises tfjs's own errors) for other dtypes, incompatible shapes or
 * an empty output. Shared by the arithmetic and the comparison kernels.
 */
export const broadcastOperands = (args: KernelArgs) => {
  const backend = cpuStorage(args);
  const { a, b } = args.inputs;
  const av = float32Values(backend, a);
  const bv = float32Values(backend, b);
  if (a === undefined || b === undefined || av === undefined || bv === undefined) return undefined;
  const plan = cachedPlan(a.shape, b.shape);
  if (plan === undefined) return undefined;
  const size = tf.util.sizeFromShape(plan.outShape);
  return size === 0 ? undefined : { backend, av, bv, plan, size };
};

/**
 * Native broadcasting binary op on float32 tensors (both operands read in
 * place). Returns undefined for other dtypes, so the cpu kernel runs.
 */
export const nativeBinary =
  (addon: NativeAddon, op: number) =>
  (args: KernelArgs): TensorInfo | undefined => {
    const o = broadcastOperands(args);
    if (o === undefined) return undefined;
    const out = float32Output(o.backend, o.size);
    addon.binary(op, o.av, o.bv, out, o.plan.shape, o.plan.stridesA, o.plan.stridesB);
    return float32Result(o.backend, o.plan.outShape, out);
  };
