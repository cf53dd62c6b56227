import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import {
  type FusedMlpActivation,
  type FusedMlpAttrs,
  type WorkspacePiece,
  fusedMlpWorkspace,
} from '@bijective/core/backend';
import type { NativeAddon } from '../addon.js';
import { type KernelArgs, cpuStorage, float32Result, float32Values } from './kernelArgs.js';
import { float32Output } from './outputStorage.js';

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

const isActivation = (a: unknown): a is FusedMlpActivation =>
  typeof a === 'string' && MLP_ACTIVATIONS.has(a);

const numbers = (attrs: NamedAttrMap | undefined, key: string): number[] | undefined => {
  const v = attrs?.[key];
  return Array.isArray(v) && v.every((n): n is number => typeof n === 'number') ? v : undefined;
};

/** The attributes, checked, with the addon's activation code. */
const readAttrs = (
  attrs: NamedAttrMap | undefined,
  kernel: string,
): { attrs: FusedMlpAttrs; code: number } => {
  const name = attrs?.['activation'];
  const code = isActivation(name) ? MLP_ACTIVATIONS.get(name) : undefined;
  const sizes = numbers(attrs, 'sizes');
  const masked = numbers(attrs, 'masked');
  const withContext = numbers(attrs, 'withContext');
  const contextDim = attrs?.['contextDim'];
  if (!isActivation(name) || code === undefined)
    throw new Error(`${kernel}: unsupported activation '${String(name)}'`);
  if (
    sizes === undefined ||
    sizes.length < 2 ||
    !sizes.every((d) => Number.isInteger(d) && d >= 1) ||
    masked?.length !== sizes.length - 1 ||
    withContext?.length !== sizes.length - 1 ||
    typeof contextDim !== 'number'
  )
    throw new Error(`${kernel}: attributes sizes, masked, withContext, contextDim are malformed`);
  return {
    attrs: { activation: name, sizes, masked, withContext, contextDim },
    code,
  };
};

const input = (args: KernelArgs, name: string, kernel: string): TensorInfo => {
  const t = args.inputs[name];
  if (t === undefined) throw new Error(`${kernel} needs the input ${name}`);
  return t;
};

const sameShape = (t: TensorInfo, shape: readonly number[]): boolean =>
  t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]);

const view = (ws: Float32Array, p: WorkspacePiece): Float32Array =>
  ws.subarray(p.offset, p.offset + p.shape[0] * p.shape[1]);

const FORWARD = 'BijectiveFusedMlp';
const BACKWARD = 'BijectiveFusedMlpGrad';

/**
 * Native `BijectiveFusedMlp` (core's `FUSED_MLP`): the whole dense or masked
 * stack in one addon call (native/mlp.cc), returning `[out, workspace]`; the
 * hidden activations are written straight into the workspace, then `x`, `c`,
 * `W ⊙ M`, the masks and the context weights are copied in (core's
 * `fusedMlpWorkspace` layout).
 */
export const nativeFusedMlp =
  (addon: NativeAddon) =>
  (args: KernelArgs): TensorInfo[] => {
    const backend = cpuStorage(args);
    const { attrs, code } = readAttrs(args.attrs, FORWARD);
    const { sizes, masked, withContext, contextDim } = attrs;
    const x = input(args, 'x', FORWARD);
    const batch = x.shape[0] ?? 0;
    if (!sameShape(x, [batch, sizes[0]!]))
      throw new Error(`${FORWARD}: x must be [batch, ${sizes[0]}]`);
    const layout = fusedMlpWorkspace(attrs, batch);
    const c = layout.c === undefined ? undefined : input(args, 'c', FORWARD);
    if (c !== undefined && !sameShape(c, [batch, contextDim]))
      throw new Error(`${FORWARD}: c must be [batch, ${contextDim}]`);
    const layers = sizes.length - 1;
    const ws: Float32Array[] = [];
    const bs: Float32Array[] = [];
    const masks: (Float32Array | null)[] = [];
    const vs: (Float32Array | null)[] = [];
    for (let l = 0; l < layers; l++) {
      const shape = [sizes[l]!, sizes[l + 1]!];
      const w = input(args, `w${l}`, FORWARD);
      const b = input(args, `b${l}`, FORWARD);
      if (!sameShape(w, shape) || !sameShape(b, [sizes[l + 1]!]))
        throw new Error(`${FORWARD}: w${l} must be [${shape.join(', ')}] and b${l} [${shape[1]}]`);
      ws.push(values(backend, w));
      bs.push(values(backend, b));
      const m = masked[l] === 1 ? input(args, `m${l}`, FORWARD) : undefined;
      if (m !== undefined && !sameShape(m, shape))
        throw new Error(`${FORWARD}: m${l} must have w${l}'s shape`);
      masks.push(m === undefined ? null : values(backend, m));
      const v = layout.contextWeights[l] === undefined ? undefined : input(args, `v${l}`, FORWARD);
      if (v !== undefined && !sameShape(v, [contextDim, sizes[l + 1]!]))
        throw new Error(`${FORWARD}: v${l} must be [${contextDim}, ${sizes[l + 1]}]`);
      vs.push(v === undefined ? null : values(backend, v));
    }
    if (withContext.some((w, l) => w === 1 && vs[l] === null))
      throw new Error(`${FORWARD}: withContext needs a context c and its weights`);
    const workspace = float32Output(backend, layout.size);
    const out = float32Output(backend, batch * sizes[layers]!);
    const xv = values(backend, x);
    const cv = c === undefined ? null : values(backend, c);
    addon.mlpForward(
      xv,
      cv,
      Int32Array.from(sizes),
      batch,
      cv === null ? 0 : contextDim,
      code,
      ws,
      bs,
      masks,
      vs,
      [...layout.hidden.map((p) => view(workspace, p)), out],
    );
    workspace.set(xv, layout.x.offset);
    if (cv !== null && layout.c !== undefined) workspace.set(cv, layout.c.offset);
    layout.weights.forEach((p, l) => {
      const w = ws[l]!;
      const m = masks[l];
      const target = view(workspace, p);
      if (m === null || m === undefined) target.set(w);
      else for (let i = 0; i < w.length; i++) target[i] = w[i]! * m[i]!;
    });
    layout.masks.forEach((p, l) => p !== undefined && workspace.set(masks[l]!, p.offset));
    layout.contextWeights.forEach((p, l) => p !== undefined && workspace.set(vs[l]!, p.offset));
    return [
      float32Result(backend, [batch, sizes[layers]!], out),
      float32Result(backend, [layout.size], workspace),
    ];
  };

/**
 * Native `BijectiveFusedMlpGrad` (core's `FUSED_MLP_GRAD`): every gradient
 * of the stack in one addon call from `dy` and the forward's workspace, in
 * the order `dx, dw0, db0, …, dv…, dc`.
 */
export const nativeFusedMlpGrad =
  (addon: NativeAddon) =>
  (args: KernelArgs): TensorInfo[] => {
    const backend = cpuStorage(args);
    const { attrs, code } = readAttrs(args.attrs, BACKWARD);
    const { sizes, contextDim } = attrs;
    const layers = sizes.length - 1;
    const dy = input(args, 'dy', BACKWARD);
    const batch = dy.shape[0] ?? 0;
    if (!sameShape(dy, [batch, sizes[layers]!]))
      throw new Error(`${BACKWARD}: dy must be [batch, ${sizes[layers]}]`);
    const layout = fusedMlpWorkspace(attrs, batch);
    const wsInfo = input(args, 'workspace', BACKWARD);
    const workspace = values(backend, wsInfo);
    if (workspace.length !== layout.size)
      throw new Error(
        `${BACKWARD}: workspace has ${workspace.length} values, expected ${layout.size}`,
      );
    const c = layout.c === undefined ? null : view(workspace, layout.c);
    const dx = float32Output(backend, batch * sizes[0]!);
    const dc = c === null ? null : float32Output(backend, c.length);
    const dws = layout.weights.map((p) => float32Output(backend, p.shape[0] * p.shape[1]));
    const dbs = sizes.slice(1).map((d) => float32Output(backend, d));
    const dvs = layout.contextWeights.map((p) =>
      p === undefined ? null : float32Output(backend, p.shape[0] * p.shape[1]),
    );
    addon.mlpBackward(
      values(backend, dy),
      view(workspace, layout.x),
      c,
      Int32Array.from(sizes),
      batch,
      c === null ? 0 : contextDim,
      code,
      layout.hidden.map((p) => view(workspace, p)),
      layout.weights.map((p) => view(workspace, p)),
      layout.masks.map((p) => (p === undefined ? null : view(workspace, p))),
      layout.contextWeights.map((p) => (p === undefined ? null : view(workspace, p))),
      dx,
      dc,
      dws,
      dbs,
      dvs,
    );
    const out: TensorInfo[] = [float32Result(backend, [batch, sizes[0]!], dx)];
    for (let l = 0; l < layers; l++)
      out.push(
        float32Result(backend, [sizes[l]!, sizes[l + 1]!], dws[l]!),
        float32Result(backend, [sizes[l + 1]!], dbs[l]!),
      );
    dvs.forEach((dv, l) => {
      if (dv !== null) out.push(float32Result(backend, [contextDim, sizes[l + 1]!], dv));
    });
    if (dc !== null) out.push(float32Result(backend, [batch, contextDim], dc));
    return out;
  };
