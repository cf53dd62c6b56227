import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { FusedMlpActivation } from '@bijective/core';
import type { NativeAddon } from '../addon.js';
import {
  type KernelArgs,
  cpuStorage,
  float32Result,
  float32Values,
  numberAttr,
  stringAttr,
} from './kernelArgs.js';

/** Activation codes of the addon's `mlpForward` / `mlpBackward` (native/kernels.h `MlpActivation`). */
const MLP_ACTIVATIONS: ReadonlyMap<string, number> = new Map<FusedMlpActivation, number>([
  ['relu', 0],
  ['tanh', 1],
  ['softplus', 2],
  ['sigmoid', 3],
  ['elu', 4],
]);

/** A tensor's values as float32: in place when stored as float32, else converted. */
const values = (backend: MathBackendCPU, t: TensorInfo): Float32Array =>
  float32Values(backend, t) ?? Float32Array.from(backend.readSync(t.dataId) as ArrayLike<number>);

/** The layer structure both kernels read from their inputs and attributes, checked. */
type Stack = {
  readonly layers: number;
  readonly activation: number;
  readonly batch: number;
  /** Widths `d₀ … d_L`. */
  readonly sizes: Int32Array;
  readonly contextDim: number;
  readonly x: Float32Array;
  readonly c: Float32Array | null;
  readonly ws: Float32Array[];
  readonly masks: (Float32Array | null)[];
  readonly vs: (Float32Array | null)[];
};

const input = (args: KernelArgs, name: string, kernel: string): TensorInfo => {
  const t = args.inputs[name];
  if (t === undefined) throw new Error(`${kernel} needs the input ${name}`);
  return t;
};

const stack = (args: KernelArgs, kernel: string): Stack => {
  const backend = cpuStorage(args);
  const layers = numberAttr(args.attrs, 'layers', 0);
  const activation = MLP_ACTIVATIONS.get(stringAttr(args.attrs, 'activation', ''));
  if (!(Number.isInteger(layers) && layers >= 1))
    throw new Error(`${kernel}: attribute layers must be a positive integer, got ${layers}`);
  if (activation === undefined)
    throw new Error(`${kernel}: unsupported activation '${String(args.attrs?.['activation'])}'`);
  const x = input(args, 'x', kernel);
  if (x.shape.length !== 2) throw new Error(`${kernel}: x must be [batch, in]`);
  const batch = x.shape[0]!;
  const sizes = new Int32Array(layers + 1);
  sizes[0] = x.shape[1]!;
  const c = args.inputs['c'];
  const contextDim = c?.shape[1] ?? 0;
  if (c !== undefined && (c.shape.length !== 2 || c.shape[0] !== batch))
    throw new Error(`${kernel}: c must be [batch, contextDim]`);
  const ws: Float32Array[] = [];
  const masks: (Float32Array | null)[] = [];
  const vs: (Float32Array | null)[] = [];
  for (let l = 0; l < layers; l++) {
    const w = input(args, `w${l}`, kernel);
    if (w.shape.length !== 2 || w.shape[0] !== sizes[l])
      throw new Error(`${kernel}: w${l} must be [${sizes[l]}, out], got [${w.shape.join(', ')}]`);
    sizes[l + 1] = w.shape[1]!;
    ws.push(values(backend, w));
    const m = args.inputs[`m${l}`];
    if (m !== undefined && !(m.shape[0] === w.shape[0] && m.shape[1] === w.shape[1]))
      throw new Error(`${kernel}: m${l} must have w${l}'s shape`);
    masks.push(m === undefined ? null : values(backend, m));
    const v = args.inputs[`v${l}`];
    if (
      v !== undefined &&
      (c === undefined || v.shape[0] !== contextDim || v.shape[1] !== sizes[l + 1])
    )
      throw new Error(`${kernel}: v${l} must be [contextDim, ${sizes[l + 1]}] with a context c`);
    vs.push(v === undefined ? null : values(backend, v));
  }
  return {
    layers,
    activation,
    batch,
    sizes,
    contextDim,
    x: values(backend, x),
    c: c === undefined ? null : values(backend, c),
    ws,
    masks,
    vs,
  };
};

/**
 * Native `BijectiveFusedMlp` (core's `FUSED_MLP`): the whole dense or masked
 * stack in one addon call (native/mlp.cc), returning `[out, h₁, …, h_{L-1}]`.
 */
export const nativeFusedMlp =
  (addon: NativeAddon) =>
  (args: KernelArgs): TensorInfo[] => {
    const backend = cpuStorage(args);
    const s = stack(args, 'BijectiveFusedMlp');
    const bs: Float32Array[] = [];
    for (let l = 0; l < s.layers; l++) {
      const b = input(args, `b${l}`, 'BijectiveFusedMlp');
      if (b.shape.length !== 1 || b.shape[0] !== s.sizes[l + 1])
        throw new Error(`BijectiveFusedMlp: b${l} must be [${s.sizes[l + 1]}]`);
      bs.push(values(backend, b));
    }
    const outs = Array.from(s.sizes.subarray(1), (d) => new Float32Array(s.batch * d));
    addon.mlpForward(
      s.x,
      s.c,
      s.sizes,
      s.batch,
      s.contextDim,
      s.activation,
      s.ws,
      bs,
      s.masks,
      s.vs,
      outs,
    );
    const results = outs.map((o, l) => float32Result(backend, [s.batch, s.sizes[l + 1]!], o));
    // Output order: the network output first, then the hidden activations.
    return [results[s.layers - 1]!, ...results.slice(0, -1)];
  };

/**
 * Native `BijectiveFusedMlpGrad` (core's `FUSED_MLP_GRAD`): every gradient
 * of the stack in one addon call, in the order `dx, dw0, db0, …, dv…, dc`.
 */
export const nativeFusedMlpGrad =
  (addon: NativeAddon) =>
  (args: KernelArgs): TensorInfo[] => {
    const backend = cpuStorage(args);
    const kernel = 'BijectiveFusedMlpGrad';
    const s = stack(args, kernel);
    const dy = input(args, 'dy', kernel);
    if (dy.shape[0] !== s.batch || dy.shape[1] !== s.sizes[s.layers])
      throw new Error(`${kernel}: dy must be [batch, ${s.sizes[s.layers]}]`);
    const hidden: Float32Array[] = [];
    for (let l = 0; l + 1 < s.layers; l++) {
      const h = input(args, `h${l}`, kernel);
      if (h.shape[0] !== s.batch || h.shape[1] !== s.sizes[l + 1])
        throw new Error(`${kernel}: h${l} must be [batch, ${s.sizes[l + 1]}]`);
      hidden.push(values(backend, h));
    }
    const dx = new Float32Array(s.x.length);
    const dc = s.c === null ? null : new Float32Array(s.c.length);
    const dws = s.ws.map((w) => new Float32Array(w.length));
    const dbs = Array.from(s.sizes.subarray(1), (d) => new Float32Array(d));
    const dvs = s.vs.map((v) => (v === null ? null : new Float32Array(v.length)));
    addon.mlpBackward(
      values(backend, dy),
      s.x,
      s.c,
      s.sizes,
      s.batch,
      s.contextDim,
      s.activation,
      hidden,
      s.ws,
      s.masks,
      s.vs,
      dx,
      dc,
      dws,
      dbs,
      dvs,
    );
    const out: TensorInfo[] = [float32Result(backend, [s.batch, s.sizes[0]!], dx)];
    for (let l = 0; l < s.layers; l++)
      out.push(
        float32Result(backend, [s.sizes[l]!, s.sizes[l + 1]!], dws[l]!),
        float32Result(backend, [s.sizes[l + 1]!], dbs[l]!),
      );
    dvs.forEach((dv, l) => {
      if (dv !== null) out.push(float32Result(backend, [s.contextDim, s.sizes[l + 1]!], dv));
    });
    if (dc !== null) out.push(float32Result(backend, [s.batch, s.contextDim], dc));
    return out;
  };
