import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import {
  type FieldTraceActivation,
  fieldTraceCotangent,
  fieldTraceOperands,
} from '@bijective/core/backend';
import type { NativeAddon } from '../addon.js';
import { type KernelArgs, cpuStorage, float32Result, float32Values } from './kernelArgs.js';
import { float32Output } from './outputStorage.js';

/** Activation codes of the addon's `fieldTrace` (native/kernels.h `FieldTraceActivation`). */
const ACTIVATION_CODES: Readonly<Record<FieldTraceActivation, number>> = {
  tanh: 0,
  softplus: 1,
  sigmoid: 2,
  swish: 3,
  elu: 4,
};

const FORWARD = 'BijectiveFieldTrace';
const BACKWARD = 'BijectiveFieldTraceGrad';

/** A tensor's values as float32: in place when stored as float32, else converted. */
const values = (backend: MathBackendCPU, t: TensorInfo): Float32Array =>
  float32Values(backend, t) ?? Float32Array.from(backend.readSync(t.dataId) as ArrayLike<number>);

/**
 * Core's checked operands, their storage backend, the weights' values and the addon's leading
 * arguments (`z, sizes, batch, activation code, weights, s or null, c`), common to both kernels.
 */
const operands = (args: KernelArgs, kernel: string) => {
  const backend = cpuStorage(args);
  const o = fieldTraceOperands(args, kernel);
  const ws = o.ws.map((w) => values(backend, w));
  const head = [
    values(backend, o.z),
    Int32Array.from(o.sizes),
    o.batch,
    ACTIVATION_CODES[o.activation],
    ws,
    o.s === undefined ? null : values(backend, o.s),
    values(backend, o.c),
  ] as const;
  return { o, backend, ws, head };
};

/**
 * Native `BijectiveFieldTrace` (core's `FUSED_FIELD_TRACE`): the layers, the
 * forward-mode Jacobian and the packed `[value | divergence | frobenius]`
 * output in one addon call (native/fieldtrace.cc).
 */
export const nativeFieldTrace =
  (addon: NativeAddon) =>
  (args: KernelArgs): TensorInfo => {
    const { o, backend, head } = operands(args, FORWARD);
    const dim = o.sizes[0]!;
    const out = float32Output(backend, o.batch * (dim + 2));
    addon.fieldTrace(...head, out);
    return float32Result(backend, [o.batch, dim + 2], out);
  };

/**
 * Native `BijectiveFieldTraceGrad` (core's `FUSED_FIELD_TRACE_GRAD`): from
 * `dy [batch, D + 2]`, the gradients `dz`, `dw0 … dw{L-1}`, `ds` (when scaled)
 * and `dc`, each shaped like its operand.
 */
export const nativeFieldTraceGrad =
  (addon: NativeAddon) =>
  (args: KernelArgs): TensorInfo[] => {
    const { o, backend, ws, head } = operands(args, BACKWARD);
    const dim = o.sizes[0]!;
    const dy = fieldTraceCotangent(args, o);
    const size = (t: TensorInfo) => t.shape.reduce((a, b) => a * b, 1);
    const dz = float32Output(backend, o.batch * dim);
    const dws = ws.map((w) => float32Output(backend, w.length));
    const ds = o.s === undefined ? null : float32Output(backend, size(o.s));
    const dc = float32Output(backend, size(o.c));
    addon.fieldTraceGrad(...head, values(backend, dy), dz, dws, ds, dc);
    return [
      float32Result(backend, [o.batch, dim], dz),
      ...dws.map((dw, l) => float32Result(backend, [o.sizes[l]!, o.sizes[l + 1]!], dw)),
      ...(ds === null || o.s === undefined ? [] : [float32Result(backend, o.s.shape, ds)]),
      float32Result(backend, o.c.shape, dc),
    ];
  };
