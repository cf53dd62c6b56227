import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { FieldTraceActivation } from '@bijective/core/backend';
import type { NativeAddon } from '../addon.js';
import { type KernelArgs, cpuStorage, float32Result, float32Values } from './kernelArgs.js';
import { float32Output } from './outputStorage.js';

/** Activation codes of the addon's `fieldTrace` (native/kernels.h `FieldTraceActivation`). */
const ACTIVATIONS: ReadonlyMap<string, number> = new Map<FieldTraceActivation, number>([
  ['tanh', 0],
  ['softplus', 1],
  ['sigmoid', 2],
  ['swish', 3],
  ['elu', 4],
]);

const FORWARD = 'BijectiveFieldTrace';
const BACKWARD = 'BijectiveFieldTraceGrad';

/** A tensor's values as float32: in place when stored as float32, else converted. */
const values = (backend: MathBackendCPU, t: TensorInfo): Float32Array =>
  float32Values(backend, t) ?? Float32Array.from(backend.readSync(t.dataId) as ArrayLike<number>);

const numbers = (attrs: NamedAttrMap | undefined, key: string): number[] | undefined => {
  const v = attrs?.[key];
  return Array.isArray(v) && v.every((n): n is number => typeof n === 'number') ? v : undefined;
};

const input = (args: KernelArgs, name: string, kernel: string): TensorInfo => {
  const t = args.inputs[name];
  if (t === undefined) throw new Error(`${kernel} needs the input ${name}`);
  return t;
};

/** The operands of either kernel, checked: sizes, activation code, z, the weights, s and c. */
const operands = (args: KernelArgs, kernel: string) => {
  const backend = cpuStorage(args);
  const name = args.attrs?.['activation'];
  const code = typeof name === 'string' ? ACTIVATIONS.get(name) : undefined;
  if (code === undefined) throw new Error(`${kernel}: unsupported activation '${String(name)}'`);
  const sizes = numbers(args.attrs, 'sizes');
  const scaled = args.attrs?.['scaled'];
  if (
    sizes === undefined ||
    sizes.length < 2 ||
    !sizes.every((d) => Number.isInteger(d) && d >= 1) ||
    sizes[0] !== sizes[sizes.length - 1] ||
    (scaled !== 0 && scaled !== 1)
  )
    throw new Error(`${kernel}: attributes sizes (D … D) and scaled are malformed`);
  const z = input(args, 'z', kernel);
  const batch = z.shape[0] ?? 0;
  if (z.shape.length !== 2 || z.shape[1] !== sizes[0])
    throw new Error(`${kernel}: z must be [batch, ${sizes[0]}]`);
  const ws: Float32Array[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const w = input(args, `w${l}`, kernel);
    if (w.shape.length !== 2 || w.shape[0] !== sizes[l] || w.shape[1] !== sizes[l + 1])
      throw new Error(`${kernel}: w${l} must be [${sizes[l]}, ${sizes[l + 1]}]`);
    ws.push(values(backend, w));
  }
  const width = sizes.slice(1).reduce((a, b) => a + b, 0);
  const packed = (key: string): TensorInfo => {
    const t = input(args, key, kernel);
    if (t.shape.length !== 2 || t.shape[1] !== width || (t.shape[0] !== 1 && t.shape[0] !== batch))
      throw new Error(`${kernel}: ${key} must be [1 or ${batch}, ${width}]`);
    return t;
  };
  const s = scaled === 1 ? packed('s') : undefined;
  const c = packed('c');
  return { backend, code, sizes, z, batch, ws, s, c };
};

/**
 * Native `BijectiveFieldTrace` (core's `FUSED_FIELD_TRACE`): the layers, the
 * forward-mode Jacobian and the packed `[value | divergence | frobenius]`
 * output in one addon call (native/fieldtrace.cc).
 */
export const nativeFieldTrace =
  (addon: NativeAddon) =>
  (args: KernelArgs): TensorInfo => {
    const o = operands(args, FORWARD);
    const dim = o.sizes[0]!;
    const out = float32Output(o.backend, o.batch * (dim + 2));
    addon.fieldTrace(
      values(o.backend, o.z),
      Int32Array.from(o.sizes),
      o.batch,
      o.code,
      o.ws,
      o.s === undefined ? null : values(o.backend, o.s),
      values(o.backend, o.c),
      out,
    );
    return float32Result(o.backend, [o.batch, dim + 2], out);
  };

/**
 * Native `BijectiveFieldTraceGrad` (core's `FUSED_FIELD_TRACE_GRAD`): from
 * `dy [batch, D + 2]`, the gradients `dz`, `dw0 … dw{L-1}`, `ds` (when scaled)
 * and `dc`, each shaped like its operand.
 */
export const nativeFieldTraceGrad =
  (addon: NativeAddon) =>
  (args: KernelArgs): TensorInfo[] => {
    const o = operands(args, BACKWARD);
    const dim = o.sizes[0]!;
    const dy = input(args, 'dy', BACKWARD);
    if (dy.shape.length !== 2 || dy.shape[0] !== o.batch || dy.shape[1] !== dim + 2)
      throw new Error(`${BACKWARD}: dy must be [${o.batch}, ${dim + 2}]`);
    const size = (t: TensorInfo) => t.shape.reduce((a, b) => a * b, 1);
    const dz = float32Output(o.backend, o.batch * dim);
    const dws = o.ws.map((w) => float32Output(o.backend, w.length));
    const ds = o.s === undefined ? null : float32Output(o.backend, size(o.s));
    const dc = float32Output(o.backend, size(o.c));
    addon.fieldTraceGrad(
      values(o.backend, o.z),
      Int32Array.from(o.sizes),
      o.batch,
      o.code,
      o.ws,
      o.s === undefined ? null : values(o.backend, o.s),
      values(o.backend, o.c),
      values(o.backend, dy),
      dz,
      dws,
      ds,
      dc,
    );
    return [
      float32Result(o.backend, [o.batch, dim], dz),
      ...dws.map((dw, l) => float32Result(o.backend, [o.sizes[l]!, o.sizes[l + 1]!], dw)),
      ...(ds === null || o.s === undefined ? [] : [float32Result(o.backend, o.s.shape, ds)]),
      float32Result(o.backend, o.c.shape, dc),
    ];
  };
