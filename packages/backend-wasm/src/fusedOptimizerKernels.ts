import { type KernelTable, installKernelTable, uninstallKernelTable } from './kernelTable.js';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '@bijective/core';
import { FUSED_ADAM_MULTI, SQUARED_NORM } from '@bijective/core/backend';
import { adamLoop, sumSquaresLoop } from './kernels/adamLoop.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];
type HeapBackend = Pick<BackendWasm, 'makeOutput' | 'typedArrayFromHeap'>;

const isHeapBackend = (b: unknown): b is HeapBackend =>
  typeof b === 'object' &&
  b !== null &&
  'makeOutput' in b &&
  'typedArrayFromHeap' in b &&
  typeof b.makeOutput === 'function' &&
  typeof b.typedArrayFromHeap === 'function';

const heapOf = (args: KernelArgs): HeapBackend => {
  if (!isHeapBackend(args.backend)) throw new Error('fused optimizer kernel: not the wasm backend');
  return args.backend;
};

const num = (attrs: KernelArgs['attrs'], key: string): number => {
  const v = attrs?.[key];
  if (typeof v !== 'number') throw new Error(`fused Adam: attribute ${key} must be a number`);
  return v;
};

const f32 = (b: HeapBackend, t: tf.TensorInfo, what: string): Float32Array => {
  const v = b.typedArrayFromHeap(t);
  if (!(v instanceof Float32Array)) throw new Error(`${what}: expected float32 storage`);
  return v;
};

/**
 * `FUSED_ADAM_MULTI` on the wasm heap: every leaf `pᵢ, mᵢ, vᵢ, gᵢ` in one
 * kernel call. Outputs are allocated before any view is taken (an allocation
 * may grow, and so move, the heap).
 */
const fusedAdamMulti = (args: KernelArgs): tf.TensorInfo[] => {
  const b = heapOf(args);
  const c = {
    beta1: num(args.attrs, 'beta1'),
    beta2: num(args.attrs, 'beta2'),
    stepSize: num(args.attrs, 'stepSize'),
    epsHat: num(args.attrs, 'epsHat'),
  };
  const leaves: tf.TensorInfo[][] = [];
  for (let i = 0; args.inputs[`p${i}`] !== undefined; i++) {
    const leaf = ['p', 'm', 'v', 'g'].map((k) => args.inputs[`${k}${i}`]);
    const size = (t: tf.TensorInfo | undefined): number =>
      t === undefined ? -1 : t.shape.reduce((a, d) => a * d, 1);
    if (leaf.some((t) => t === undefined || t.dtype !== 'float32' || size(t) !== size(leaf[0])))
      throw new Error(
        `${FUSED_ADAM_MULTI}: leaf ${i} needs float32 p${i}, m${i}, v${i} and g${i} of one size`,
      );
    leaves.push(leaf as tf.TensorInfo[]);
  }
  const outs = leaves.map(([p]) => [0, 1, 2].map(() => b.makeOutput(p!.shape, 'float32')));
  leaves.forEach(([p, m, v, g], i) => {
    const [pOut, mOut, vOut] = outs[i]!.map((t) => f32(b, t, FUSED_ADAM_MULTI));
    const view = (t: tf.TensorInfo | undefined): Float32Array => f32(b, t!, FUSED_ADAM_MULTI);
    adamLoop(view(p), view(m), view(v), view(g), c, pOut!, mOut!, vOut!);
  });
  return outs.flat();
};

/** `SQUARED_NORM` on the wasm heap: `Σᵢ Σ xᵢ²` accumulated in double (int32 and bool inputs by value), one float32 scalar. */
const squaredNorm = (args: KernelArgs): tf.TensorInfo => {
  const b = heapOf(args);
  const out = b.makeOutput([], 'float32');
  let total = 0;
  for (const x of Object.values(args.inputs)) {
    if (x === undefined) continue;
    if (x.dtype === 'string' || x.dtype === 'complex64')
      throw new Error(`${SQUARED_NORM}: inputs must be numeric`);
    total += sumSquaresLoop(b.typedArrayFromHeap(x)); // int32 and bool read as their values
  }
  f32(b, out, SQUARED_NORM)[0] = total;
  return out;
};

const KERNELS: KernelTable = {
  [FUSED_ADAM_MULTI]: fusedAdamMulti,
  [SQUARED_NORM]: squaredNorm,
};

/**
 * Register core's fused optimizer kernels for the `wasm` backend:
 * `FUSED_ADAM_MULTI` (an Adam step of every parameter tensor in one kernel
 * call, instead of about fourteen tfjs ops per tensor) and `SQUARED_NORM` (the
 * global gradient norm in one call instead of three per tensor), as
 * JavaScript loops on the wasm heap (`kernels/adamLoop.ts`). Idempotent;
 * returns `true` if it registered them now.
 *
 * @example
 * ```ts
 * installFusedOptimizerKernels();
 * hasFusedKernel(FUSED_ADAM_MULTI); // true while wasm is the active backend
 * ```
 */
export const installFusedOptimizerKernels = (): boolean => installKernelTable(KERNELS);

/** Remove the kernels of {@link installFusedOptimizerKernels} (for comparisons with the composite ops). */
export const uninstallFusedOptimizerKernels = (): boolean => uninstallKernelTable(KERNELS);
