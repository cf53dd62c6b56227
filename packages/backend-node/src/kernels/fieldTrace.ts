import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { FieldTraceActivation } from '@bijective/core/backend';
import type { NativeAddon } from '../addon.js';
import { type KernelArgs, cpuStorage, float32Result, float32Values } from './kernelArgs.js';

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

/** The operands of either kernel, checked: sizes, activation code, z and per layer w, s, c. */
const operands = (args: KernelArgs, kernel: string) => {
  const backend = cpuStorage(args);
  const name = args.attrs?.['activation'];
  const code = typeof name === 'string' ? ACTIVATIONS.get(name) : undefined;
  if (code === undefined) throw new Error(`${kernel}: unsupported activation '${String(name)}'`);
  const sizes = numbers(args.attrs, 'sizes');
  const scaled = numbers(args.attrs, 'scaled');
  if (
    sizes === undefined ||
    sizes.length < 2 ||
    !sizes.every((d) => Number.isInteger(d) && d >= 1) ||
    sizes[0] !== sizes[sizes.length - 1] ||
    scaled?.length !== sizes.length - 1
  )
    throw new Error(`${kernel}: attributes sizes (D … D) and scaled are malformed`);
  const z = input(args, 'z', kernel);
  const batch = z.shape[0] ?? 0;
  if (z.shape.length !== 2 || z.shape[1] !== sizes[0])
    throw new Error(`${kernel}: z must be [batch, ${sizes[0]}]`);
  const layers = sizes.length - 1;
  const ws: Float32Array[] = [];
  const ss: (Float32Array | null)[] = [];
  const cs: Float32Array[] = [];
  const shapes: { s: number[] | undefined; c: number[] }[] = [];
  for (let l = 0; l < layers; l++) {
    const w = input(args, `w${l}`, kernel);
    if (w.shape.length !== 2 || w.shape[0] !== sizes[l] || w.shape[1] !== sizes[l + 1])
      throw new Error(`${kernel}: w${l} must be [${sizes[l]}, ${sizes[l + 1]}]`);
    const s = scaled[l] === 1 ? input(args, `s${l}`, kernel) : undefined;
    const c = input(args, `c${l}`, kernel);
    ws.push(values(backend, w));
    ss.push(s === undefined ? null : values(backend, s));
    cs.push(values(backend, c));
    shapes.push({ s: s?.shape, c: c.shape });
  }
  return { backend, code, sizes, z, batch, ws, ss, cs, shapes };
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
    const out = new Float32Array(o.batch * (dim + 2));
    addon.fieldTrace(
      values(o.backend, o.z),
      Int32Array.from(o.sizes),
      o.batch,
      o.code,
      o.ws,
      o.ss,
      o.cs,
      out,
    );
    return float32Result(o.backend, [o.batch, dim + 2], out);
  };

/**
 * Native `BijectiveFieldTraceGrad` (core's `FUSED_FIELD_TRACE_GRAD`): from
 * `dy [batch, D + 2]`, the gradients `dz`, then per layer `dw`, `ds` (scaled
 * layers) and `dc`, each shaped like its operand.
 */
export const nativeFieldTraceGrad =
  (addon: NativeAddon) =>
  (args: KernelArgs): TensorInfo[] => {
    const o = operands(args, BACKWARD);
    const dim = o.sizes[0]!;
    const dy = input(args, 'dy', BACKWARD);
    if (dy.shape.length !== 2 || dy.shape[0] !== o.batch || dy.shape[1] !== dim + 2)
      throw new Error(`${BACKWARD}: dy must be [${o.batch}, ${dim + 2}]`);
    const dz = new Float32Array(o.batch * dim);
    const dws = o.ws.map((w) => new Float32Array(w.length));
    const dss = o.ss.map((s) => (s === null ? null : new Float32Array(s.length)));
    const dcs = o.cs.map((c) => new Float32Array(c.length));
    addon.fieldTraceGrad(
      values(o.backend, o.z),
      Int32Array.from(o.sizes),
      o.batch,
      o.code,
      o.ws,
      o.ss,
      o.cs,
      values(o.backend, dy),
      dz,
      dws,
      dss,
      dcs,
    );
    const out: TensorInfo[] = [float32Result(o.backend, [o.batch, dim], dz)];
    o.shapes.forEach((shape, l) => {
      out.push(float32Result(o.backend, [o.sizes[l]!, o.sizes[l + 1]!], dws[l]!));
      const ds = dss[l];
      if (ds !== null && ds !== undefined && shape.s !== undefined)
        out.push(float32Result(o.backend, shape.s, ds));
      out.push(float32Result(o.backend, shape.c, dcs[l]!));
    });
    return out;
  };
