import { tf } from '@bijective/core';
import { WASM } from './kernelTable.js';

/** Arguments of a tfjs kernel function. */
export type KernelArgs = Parameters<tf.KernelFunc>[0];

/** The wasm backend's heap access (BackendWasm's `makeOutput` and `typedArrayFromHeap`). */
export type HeapBackend = tf.KernelBackend & {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
};

/**
 * The wasm backend of a kernel call, checked to have heap access.
 *
 * @example
 * ```ts
 * const backend = backendOf(args, FUSED_MLP); // throws "BijectiveFusedMlp: not the wasm backend" elsewhere
 * ```
 */
export const backendOf = (args: KernelArgs, kernel: string): HeapBackend => {
  const b = args.backend;
  if (
    b instanceof tf.KernelBackend &&
    'makeOutput' in b &&
    typeof b.makeOutput === 'function' &&
    'typedArrayFromHeap' in b &&
    typeof b.typedArrayFromHeap === 'function'
  )
    return b as HeapBackend;
  throw new Error(`${kernel}: not the wasm backend`);
};

/**
 * Input `name` of a kernel call, or an error naming the kernel.
 *
 * @example
 * ```ts
 * const x = input(args, 'x', FUSED_MLP);
 * ```
 */
export const input = (args: KernelArgs, name: string, kernel: string): tf.TensorInfo => {
  const t = args.inputs[name];
  if (t === undefined) throw new Error(`${kernel} needs the input ${name}`);
  return t;
};

/**
 * The same storage under another shape of the same size (what the wasm
 * `Reshape` kernel does, minus the reference count).
 *
 * @example
 * ```ts
 * const rows = view(t, [batch * dim, width]);
 * ```
 */
export const view = (t: tf.TensorInfo, shape: number[]): tf.TensorInfo => ({ ...t, shape });

/**
 * The wasm backend's own kernel functions called directly inside one engine
 * kernel: the same wasm (XNNPACK) products and elementwise loops as the
 * composite ops, without the engine's per-op bookkeeping (tensor tracking,
 * tape records, clones of saved tensors). Every result and buffer is a
 * temporary, freed by {@link HeapCalls.free} unless {@link HeapCalls.keep}
 * makes it an output of the fused kernel. `Part` is the kernel names a fused
 * kernel is composed of.
 *
 * @example
 * ```ts
 * const k = new HeapCalls<'Multiply'>(backendOf(args, NAME));
 * try {
 *   return k.keep(k.run('Multiply', { a, b }));
 * } finally {
 *   k.free();
 * }
 * ```
 */
export class HeapCalls<Part extends string> {
  private readonly temporaries: tf.TensorInfo[] = [];

  constructor(readonly backend: HeapBackend) {}

  /** Run wasm kernel `name` (looked up per call, so later replacements such as the explicit-transpose matMuls apply). */
  run(name: Part, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): tf.TensorInfo {
    const kernel = tf.getKernel(name, WASM);
    if (kernel === undefined) throw new Error(`the wasm backend has no ${name} kernel`);
    const r = kernel.kernelFunc({ inputs, backend: this.backend, attrs });
    const info = Array.isArray(r) ? r[0] : r;
    if (info === undefined) throw new Error(`wasm kernel ${name} returned no output`);
    this.temporaries.push(info);
    return info;
  }

  /** A new float32 buffer of `shape`, filled by `fill` (a temporary unless kept). */
  make(shape: number[], fill?: (values: Float32Array) => void): tf.TensorInfo {
    const t = this.backend.makeOutput(shape, 'float32');
    this.temporaries.push(t);
    if (fill !== undefined) fill(this.backend.typedArrayFromHeap(t));
    return t;
  }

  /** A float32 scalar buffer holding `v`. */
  scalar(v: number): tf.TensorInfo {
    return this.make([], (a) => a.fill(v));
  }

  /** The values of `t` on the heap (a view: take it after the last allocation). */
  read(t: tf.TensorInfo): Float32Array {
    return this.backend.typedArrayFromHeap(t);
  }

  /** Free `info` with the temporaries (a buffer allocated outside {@link HeapCalls.run}). */
  adopt(info: tf.TensorInfo): tf.TensorInfo {
    this.temporaries.push(info);
    return info;
  }

  /** Take `info` out of the temporaries: it is an output of the fused kernel. */
  keep(info: tf.TensorInfo): tf.TensorInfo {
    const i = this.temporaries.findIndex((t) => t.dataId === info.dataId);
    if (i >= 0) this.temporaries.splice(i, 1);
    return info;
  }

  /** Free every temporary. */
  free(): void {
    for (const t of this.temporaries) this.backend.disposeData(t.dataId);
    this.temporaries.length = 0;
  }
}

/**
 * Register `kernels` for `wasm` when every kernel in `parts` is there,
 * replacing earlier registrations of the same names; `false` when a part is
 * missing (`@tensorflow/tfjs-backend-wasm` not imported).
 *
 * @example
 * ```ts
 * installComposed(PARTS, { [FUSED_MLP]: forward, [FUSED_MLP_GRAD]: backward });
 * ```
 */
export const installComposed = (
  parts: readonly string[],
  kernels: Readonly<Record<string, tf.KernelFunc>>,
): boolean => {
  if (parts.some((name) => tf.getKernel(name, WASM) === undefined)) return false;
  for (const [kernelName, kernelFunc] of Object.entries(kernels)) {
    if (tf.getKernel(kernelName, WASM) !== undefined) tf.unregisterKernel(kernelName, WASM);
    tf.registerKernel({ kernelName, backendName: WASM, kernelFunc });
  }
  return true;
};
