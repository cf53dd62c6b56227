import type { TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from '@bijective/core';
import type { NativeAddon } from '../addon.js';
import {
  type KernelArgs,
  boolAttr,
  cpuStorage,
  float32Result,
  float32Values,
  numberAttr,
  stringAttr,
} from './kernelArgs.js';
import { float32Output } from './outputStorage.js';

/** Fused activations the native GEMM applies itself, by addon code; `prelu` falls back to cpu. */
const ACTIVATIONS: Readonly<Record<string, number>> = {
  linear: 0,
  relu: 1,
  relu6: 2,
  sigmoid: 3,
  elu: 4,
  leakyrelu: 5,
};

type BiasStrides = { readonly batch: number; readonly row: number; readonly col: number };

/**
 * Element strides of `bias` broadcast to an output of shape
 * [...outerDims, m, n], or undefined when the broadcast is not one the
 * strided view can express (then the cpu kernel runs).
 */
const biasStrides = (
  biasShape: readonly number[],
  outerDims: readonly number[],
  m: number,
  n: number,
): BiasStrides | undefined => {
  const rank = outerDims.length + 2;
  if (biasShape.length > rank) return undefined;
  const padded = [...Array<number>(rank - biasShape.length).fill(1), ...biasShape];
  const rows = padded[rank - 2] ?? 1;
  const cols = padded[rank - 1] ?? 1;
  if ((rows !== 1 && rows !== m) || (cols !== 1 && cols !== n)) return undefined;
  const lead = padded.slice(0, rank - 2);
  const leadSize = tf.util.sizeFromShape(lead);
  let batch = 0;
  if (leadSize !== 1) {
    if (!lead.every((d, i) => d === outerDims[i])) return undefined;
    batch = rows * cols;
  }
  return { batch, row: rows === 1 ? 0 : cols, col: cols === 1 ? 0 : 1 };
};

/**
 * Native `BatchMatMul` / `_FusedMatMul`: out = act(op(a) @ op(b) + bias) by
 * the addon's blocked GEMM, reading a, b and bias in place. Batch dims
 * broadcast when equal or when one side has batch size 1 (tfjs-backend-cpu
 * pairs batch i with a[i % batchA], b[i % batchB]; other pairings fall back).
 * Returns undefined for anything else: non-float32, prelu, unusual bias shapes.
 */
export const nativeMatMul =
  (addon: NativeAddon, fused: boolean) =>
  (args: KernelArgs): TensorInfo | undefined => {
    const backend = cpuStorage(args);
    const { a, b } = args.inputs;
    if (a === undefined || b === undefined || a.shape.length < 2 || b.shape.length < 2)
      return undefined;
    const av = float32Values(backend, a);
    const bv = float32Values(backend, b);
    if (av === undefined || bv === undefined) return undefined;
    const transA = boolAttr(args.attrs, 'transposeA');
    const transB = boolAttr(args.attrs, 'transposeB');
    const ra = a.shape.length;
    const rb = b.shape.length;
    const [a0, a1] = [a.shape[ra - 2] ?? 0, a.shape[ra - 1] ?? 0];
    const [b0, b1] = [b.shape[rb - 2] ?? 0, b.shape[rb - 1] ?? 0];
    const m = transA ? a1 : a0;
    const k = transA ? a0 : a1;
    const kb = transB ? b1 : b0;
    const n = transB ? b0 : b1;
    if (k !== kb) return undefined; // cpu raises tfjs's own error message
    const outerA = a.shape.slice(0, -2);
    const outerB = b.shape.slice(0, -2);
    let outerDims: number[];
    try {
      outerDims = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
    } catch {
      return undefined;
    }
    const batchA = tf.util.sizeFromShape(outerA);
    const batchB = tf.util.sizeFromShape(outerB);
    const batch = tf.util.sizeFromShape(outerDims);
    if (!(batchA === batchB || batchA === 1 || batchB === 1)) return undefined;
    if (batch === 0 || m === 0 || n === 0) return undefined;

    let activation = 0;
    let alpha = 0;
    let bias: Float32Array | null = null;
    let strides: BiasStrides = { batch: 0, row: 0, col: 0 };
    if (fused) {
      const act = ACTIVATIONS[stringAttr(args.attrs, 'activation', 'linear')];
      if (act === undefined) return undefined;
      activation = act;
      alpha = numberAttr(args.attrs, 'leakyreluAlpha', 0.2);
      const biasInfo = args.inputs['bias'];
      if (biasInfo !== undefined) {
        const bs = biasStrides(biasInfo.shape, outerDims, m, n);
        const values = float32Values(backend, biasInfo);
        if (bs === undefined || values === undefined) return undefined;
        bias = values;
        strides = bs;
      }
    }
    const out = float32Output(backend, batch * m * n);
    addon.gemm(
      av,
      bv,
      out,
      batch,
      batchA,
      batchB,
      m,
      n,
      k,
      transA,
      transB,
      bias,
      strides.batch,
      strides.row,
      strides.col,
      activation,
      alpha,
    );
    return float32Result(backend, [...outerDims, m, n], out);
  };
