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
import { float32Output } from './outputStorage.js';

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
    return adamLeaf(addon, backend, param.shape, [pv, mv, vv, gv], args.attrs);
  };

/** One leaf's update through the addon, as three float32 tensors `[param', m', v']` of `shape`. */
const adamLeaf = (
  addon: NativeAddon,
  backend: MathBackendCPU,
  shape: number[],
  [pv, mv, vv, gv]: readonly [Float32Array, Float32Array, Float32Array, Float32Array],
  attrs: KernelArgs['attrs'],
): TensorInfo[] => {
  const n = pv.length;
  const b1 = numberAttr(attrs, 'beta1', Number.NaN);
  const b2 = numberAttr(attrs, 'beta2', Number.NaN);
  const pOut = float32Output(backend, n);
  const mOut = float32Output(backend, n);
  const vOut = float32Output(backend, n);
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
    numberAttr(attrs, 'stepSize', Number.NaN),
    numberAttr(attrs, 'epsHat', Number.NaN),
  );
  return [
    float32Result(backend, shape, pOut),
    float32Result(backend, shape, mOut),
    float32Result(backend, shape, vOut),
  ];
};

/**
 * Native `BijectiveFusedAdamMulti` (core's `FUSED_ADAM_MULTI`): the update of
 * {@link nativeFusedAdam} for every leaf `pᵢ, mᵢ, vᵢ, gᵢ` (`i = 0, 1, …` until
 * `pᵢ` is absent) in one kernel call, outputs `[p0', m0', v0', p1', …]`. Each
 * leaf goes through the same addon routine as the one-leaf kernel, so the
 * results are bit-identical to it. A leaf missing one of its four inputs, or
 * whose inputs differ in size, is an error.
 */
export const nativeFusedAdamMulti =
  (addon: NativeAddon) =>
  (args: KernelArgs): TensorInfo[] => {
    const backend = cpuStorage(args);
    const outs: TensorInfo[] = [];
    for (let i = 0; args.inputs[`p${i}`] !== undefined; i++) {
      const leaf = ['p', 'm', 'v', 'g'].map((k) => args.inputs[`${k}${i}`]);
      const [param, m, v, grad] = leaf;
      if (param === undefined || m === undefined || v === undefined || grad === undefined)
        throw new Error(
          `BijectiveFusedAdamMulti: leaf ${i} needs the inputs p${i}, m${i}, v${i} and g${i}`,
        );
      const values = [param, m, v, grad].map((t) => asFloat32(backend, t)) as [
        Float32Array,
        Float32Array,
        Float32Array,
        Float32Array,
      ];
      if (values.some((a) => a.length !== values[0].length))
        throw new Error(`BijectiveFusedAdamMulti: p${i}, m${i}, v${i} and g${i} differ in size`);
      outs.push(...adamLeaf(addon, backend, param.shape, values, args.attrs));
    }
    return outs;
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
