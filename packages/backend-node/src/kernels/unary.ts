import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeAddon } from '../addon.js';
import {
  type KernelArgs,
  cpuStorage,
  float32Result,
  float32Values,
  numberAttr,
} from './kernelArgs.js';
import { float32Output } from './outputStorage.js';

/** tfjs kernel name -> the addon's unary op code (native/kernels.h `UnaryOp`). */
export const UNARY_OPS: Readonly<Record<string, number>> = {
  Exp: 0,
  Log: 1,
  Tanh: 2,
  Softplus: 3,
  Sigmoid: 4,
  Sqrt: 5,
  Square: 6,
  Neg: 7,
  Relu: 8,
  Abs: 9,
  Elu: 10,
};

/**
 * Native elementwise math on a float32 tensor, y[i] = f(x[i]), reading x in
 * place. Softplus uses tfjs-backend-cpu's thresholds (x for large x, exp(x)
 * for very negative x, log1p(exp(x)) between), so both backends agree.
 * Returns undefined for other dtypes, so the cpu kernel runs.
 */
export const nativeUnary =
  (addon: NativeAddon, op: number) =>
  (args: KernelArgs): TensorInfo | undefined => {
    const backend = cpuStorage(args);
    const x = args.inputs['x'];
    const xv = float32Values(backend, x);
    if (x === undefined || xv === undefined || xv.length === 0) return undefined;
    const out = float32Output(backend, xv.length);
    addon.unary(op, xv, out);
    return float32Result(backend, x.shape, out);
  };

/**
 * Native `Step` (the gradient mask of Relu: 1 for x > 0, else `alpha`, NaN
 * kept) and `ClipByValue` (to [clipValueMin, clipValueMax]) on a float32
 * tensor, reading x in place. Returns undefined for other dtypes.
 */
export const nativeUnaryParam =
  (addon: NativeAddon, kernel: 'Step' | 'ClipByValue') =>
  (args: KernelArgs): TensorInfo | undefined => {
    const backend = cpuStorage(args);
    const x = args.inputs['x'];
    const xv = float32Values(backend, x);
    if (x === undefined || xv === undefined || xv.length === 0) return undefined;
    const out = float32Output(backend, xv.length);
    if (kernel === 'Step') addon.unaryParam(0, xv, out, numberAttr(args.attrs, 'alpha', 0), 0);
    else {
      const lo = numberAttr(args.attrs, 'clipValueMin', Number.NaN);
      const hi = numberAttr(args.attrs, 'clipValueMax', Number.NaN);
      if (Number.isNaN(lo) || Number.isNaN(hi)) return undefined;
      addon.unaryParam(1, xv, out, lo, hi);
    }
    return float32Result(backend, x.shape, out);
  };
