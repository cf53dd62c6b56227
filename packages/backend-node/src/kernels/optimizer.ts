import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeAddon } from '../addon.js';
import {
  type KernelArgs,
  cpuStorage,
  float32Result,
  float32Values,
  numberAttr,
} from './kernelArgs.js';

/** A tensor's values as float32: in place when stored as float32, else converted (int32 or bool inputs). */
const asFloat32 = (backend: MathBackendCPU, t: TensorInfo): Float32Array =>
  float32Values(backend, t) ?? Float32Array.from(backend.readSync(t.dataId) as ArrayLike<number>);

/**
 * Native `BijectiveFusedAdam` (core's `FUSED_ADAM`): one pass over
 * `param, m, v, grad` writing `[param', m', v']`, in place of the dozen
 * tfjs ops per parameter of the composite Adam step. Same float32 maths and
 * order as core's `adamStep`. Inputs that are not float32 are converted;
 * inputs of different sizes are an error.
 */
export const nativeFusedAdam =
  (addon: NativeAddon) =>
  (args: KernelArgs): TensorInfo[] => {
    const backend = cpuStorage(args);
    const { param, m, v, grad } = args.inputs;
    if (param === undefined || m === undefined || v === undefined || grad === undefined)
      throw new Error('BijectiveFusedAdam needs the inputs param, m, v and grad');
    const [pv, mv, vv, gv] = [param, m, v, grad].map((t) => asFloat32(backend, t)) as [
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
    ];
    const n = pv.length;
    if (mv.length !== n || vv.length !== n || gv.length !== n)
      throw new Error(
        `BijectiveFusedAdam: param, m, v and grad differ in size (${pv.length}, ${mv.length}, ${vv.length}, ${gv.length})`,
      );
    const b1 = numberAttr(args.attrs, 'beta1', Number.NaN);
    const b2 = numberAttr(args.attrs, 'beta2', Number.NaN);
    const pOut = new Float32Array(n);
    const mOut = new Float32Array(n);
    const vOut = new Float32Array(n);
    addon.adam(
      pv,
      mv,
      vv,
      gv,
      pOut,
      mOut,
      vOut,
      b1,
      1 - b1,
      b2,
      1 - b2,
      numberAttr(args.attrs, 'stepSize', Number.NaN),
      numberAttr(args.attrs, 'epsHat', Number.NaN),
    );
    return [
      float32Result(backend, param.shape, pOut),
      float32Result(backend, param.shape, mOut),
      float32Result(backend, param.shape, vOut),
    ];
  };

/**
 * Native `BijectiveSquaredNorm` (core's `SQUARED_NORM`): `Σᵢ Σ xᵢ²` over every
 * input as one float32 scalar, accumulated in double, in one kernel call
 * instead of a square, a sum per tensor and an addN.
 */
export const nativeSquaredNorm =
  (addon: NativeAddon) =>
  (args: KernelArgs): TensorInfo => {
    const backend = cpuStorage(args);
    let total = 0;
    for (const x of Object.values(args.inputs))
      if (x !== undefined) total += addon.sumSquares(asFloat32(backend, x));
    return float32Result(backend, [], Float32Array.of(total));
  };
