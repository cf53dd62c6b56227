import type { tf } from '../tf.js';
import {
  FIELD_TRACE_ACTIVATIONS,
  FUSED_FIELD_TRACE_GRAD,
  type FieldTraceActivation,
  type FusedFieldTraceAttrs,
} from './fusedKernels.js';

/** What a registered kernel function receives: inputs, backend and attributes. */
type KernelArgs = Parameters<tf.KernelFunc>[0];

/**
 * The operands of `FUSED_FIELD_TRACE` or `FUSED_FIELD_TRACE_GRAD`,
 * checked against the kernels' contract: `z [B, D]`, `w_l [d_l, d_{l+1}]` for
 * `sizes = [D, d_1, …, d_{L-1}, D]`, the packed `s` (when `scaled`) and `c` of
 * shape `[1 or B, d_1 + … + d_L]`.
 */
export interface FieldTraceOperands {
  readonly activation: FieldTraceActivation;
  /** `d₀ … d_L`, with `d₀ = d_L = D`. */
  readonly sizes: readonly number[];
  readonly z: tf.TensorInfo;
  readonly batch: number;
  readonly ws: readonly tf.TensorInfo[];
  readonly s: tf.TensorInfo | undefined;
  readonly c: tf.TensorInfo;
}

const isActivation = (a: unknown): a is FieldTraceActivation =>
  FIELD_TRACE_ACTIVATIONS.some((known) => known === a);

const isSizes = (v: unknown): v is FusedFieldTraceAttrs['sizes'] =>
  Array.isArray(v) &&
  v.length >= 2 &&
  v.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 1) &&
  v[0] === v[v.length - 1];

const input = (args: KernelArgs, name: string, kernel: string): tf.TensorInfo => {
  const t = args.inputs[name];
  if (t === undefined) throw new Error(`${kernel} needs the input ${name}`);
  return t;
};

/**
 * Read and check the operands of the field-trace kernels, the same for every
 * backend that registers them (native's addon call, wasm's heap loops);
 * throws an `Error` naming the kernel and the operand that breaks the contract,
 * as kernel functions do.
 *
 * @example
 * ```ts
 * const forward: tf.KernelFunc = (args) => {
 *   const { sizes, z, ws, s, c } = fieldTraceOperands(args, FUSED_FIELD_TRACE);
 *   // … evaluate the layers and their Jacobian …
 * };
 * ```
 */
export const fieldTraceOperands = (args: KernelArgs, kernel: string): FieldTraceOperands => {
  const activation = args.attrs?.['activation'];
  const sizes = args.attrs?.['sizes'];
  const scaled = args.attrs?.['scaled'];
  if (!isActivation(activation))
    throw new Error(`${kernel}: unsupported activation '${String(activation)}'`);
  if (!isSizes(sizes) || (scaled !== 0 && scaled !== 1))
    throw new Error(`${kernel}: attributes sizes (D … D) and scaled are malformed`);
  const D = sizes[0]!;
  const z = input(args, 'z', kernel);
  const batch = z.shape[0] ?? 0;
  if (z.shape.length !== 2 || z.shape[1] !== D)
    throw new Error(`${kernel}: z must be [batch, ${D}]`);
  const ws = sizes.slice(0, -1).map((din, l) => {
    const w = input(args, `w${l}`, kernel);
    if (w.shape.length !== 2 || w.shape[0] !== din || w.shape[1] !== sizes[l + 1])
      throw new Error(`${kernel}: w${l} must be [${din}, ${sizes[l + 1]}]`);
    return w;
  });
  const width = sizes.slice(1).reduce((a, b) => a + b, 0);
  const packed = (key: string): tf.TensorInfo => {
    const t = input(args, key, kernel);
    if (t.shape.length !== 2 || t.shape[1] !== width || (t.shape[0] !== 1 && t.shape[0] !== batch))
      throw new Error(`${kernel}: ${key} must be [1 or ${batch}, ${width}]`);
    return t;
  };
  const s = scaled === 1 ? packed('s') : undefined;
  const c = packed('c');
  return { activation, sizes, z, batch, ws, s, c };
};

/**
 * The backward kernel's `dy [B, D + 2]`, the cotangent of the packed
 * `[value | divergence | frobenius]` output, checked against `o`.
 *
 * @example
 * ```ts
 * const o = fieldTraceOperands(args, FUSED_FIELD_TRACE_GRAD);
 * const dy = fieldTraceCotangent(args, o);
 * ```
 */
export const fieldTraceCotangent = (args: KernelArgs, o: FieldTraceOperands): tf.TensorInfo => {
  const kernel = FUSED_FIELD_TRACE_GRAD;
  const D = o.sizes[0]!;
  const dy = input(args, 'dy', kernel);
  if (dy.shape.length !== 2 || dy.shape[0] !== o.batch || dy.shape[1] !== D + 2)
    throw new Error(`${kernel}: dy must be [${o.batch}, ${D + 2}]`);
  return dy;
};
