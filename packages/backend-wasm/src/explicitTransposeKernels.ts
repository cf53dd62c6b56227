import { tf } from '@bijective/core';
import { swapLastTwoPerm } from './transposeLastTwo.js';

const WASM = 'wasm';
/** The wasm kernels whose `transposeA` / `transposeB` attributes are slow. */
const MAT_MUL_KERNELS = ['BatchMatMul', '_FusedMatMul'] as const;

const originals = new Map<string, tf.KernelConfig>();
const wrappers = new WeakSet<tf.KernelFunc>();

const single = (r: tf.TensorInfo | tf.TensorInfo[]): tf.TensorInfo => {
  const info = Array.isArray(r) ? r[0] : r;
  if (info === undefined) throw new Error('Transpose kernel returned no output');
  return info;
};

/**
 * Wrap a wasm matMul-family kernel so that a flagged call
 * `op(a) · op(b)` first materialises `aᵀ` / `bᵀ` with the wasm `Transpose`
 * kernel and then runs the original kernel with both flags `false`; the
 * temporary copies are freed before returning. Flag-free calls go straight
 * through. Every other input (`bias`, `preluActivationWeights`) and attribute
 * (`activation`, `leakyreluAlpha`) is passed on unchanged.
 */
const wrapKernel = (original: tf.KernelFunc, transpose: tf.KernelFunc): tf.KernelFunc => {
  const wrapped: tf.KernelFunc = (args) => {
    const { inputs, backend, attrs } = args;
    const transposeA = attrs?.['transposeA'] === true;
    const transposeB = attrs?.['transposeB'] === true;
    const { a, b } = inputs;
    if (
      (!transposeA && !transposeB) ||
      a === undefined ||
      b === undefined ||
      !(backend instanceof tf.KernelBackend)
    ) {
      return original(args);
    }
    const temporaries: tf.TensorInfo[] = [];
    const explicit = (x: tf.TensorInfo): tf.TensorInfo => {
      const xt = single(
        transpose({ inputs: { x }, backend, attrs: { perm: swapLastTwoPerm(x.shape.length) } }),
      );
      temporaries.push(xt);
      return xt;
    };
    try {
      return original({
        inputs: { ...inputs, a: transposeA ? explicit(a) : a, b: transposeB ? explicit(b) : b },
        backend,
        attrs: { ...attrs, transposeA: false, transposeB: false },
      });
    } finally {
      for (const x of temporaries) backend.disposeData(x.dataId);
    }
  };
  wrappers.add(wrapped);
  return wrapped;
};

/**
 * Replace tfjs's wasm `BatchMatMul` and `_FusedMatMul` kernels (what
 * `tf.matMul` and `tf.fused.matMul` run) by versions that turn the
 * `transposeA` / `transposeB` flags into an explicit transpose of the operand
 * followed by a flag-free multiply. Same result (up to float32 summation
 * order), but the wasm kernels' transposed code path is 6-20x slower than the
 * flag-free one while the transpose costs one O(mk) copy next to the O(mkn)
 * product. This speeds up user code that passes the flags, and the backward
 * passes of `tf.fused.matMul` (whose gradient tfjs writes with flags).
 *
 * Only the `wasm` kernels are touched (kernels are registered per backend),
 * so cpu and native backends are unaffected. Needs `@tensorflow/tfjs-backend-wasm`
 * to have been imported (it registers the kernels); `wasmBackend().ready()`
 * does both unless `explicitTranspose: false`. Idempotent; returns `true` if
 * it installed the wrappers now.
 *
 * @example
 * ```ts
 * await import('@tensorflow/tfjs-backend-wasm');
 * installExplicitTransposeKernels();
 * await tf.setBackend('wasm');
 * tf.matMul(a, b, false, true); // runs transpose(b) then a plain multiply
 * ```
 */
export const installExplicitTransposeKernels = (): boolean => {
  const transpose = tf.getKernel('Transpose', WASM);
  if (transpose === undefined) return false;
  let changed = false;
  for (const name of MAT_MUL_KERNELS) {
    const config = tf.getKernel(name, WASM);
    if (config === undefined || wrappers.has(config.kernelFunc)) continue;
    originals.set(name, config);
    tf.unregisterKernel(name, WASM);
    tf.registerKernel({
      ...config,
      kernelFunc: wrapKernel(config.kernelFunc, transpose.kernelFunc),
    });
    changed = true;
  }
  return changed;
};

/**
 * Put tfjs's original wasm `BatchMatMul` / `_FusedMatMul` kernels back
 * (undoes {@link installExplicitTransposeKernels}). Returns `true` if
 * something was restored. Meant for benchmarks comparing the two.
 *
 * @example
 * ```ts
 * uninstallExplicitTransposeKernels(); // time the stock kernels
 * installExplicitTransposeKernels();
 * ```
 */
export const uninstallExplicitTransposeKernels = (): boolean => {
  let changed = false;
  for (const name of MAT_MUL_KERNELS) {
    const config = tf.getKernel(name, WASM);
    const original = originals.get(name);
    if (config === undefined || original === undefined || !wrappers.has(config.kernelFunc))
      continue;
    tf.unregisterKernel(name, WASM);
    tf.registerKernel(original);
    originals.delete(name);
    changed = true;
  }
  return changed;
};

/** Whether both wasm matMul kernels are currently the explicit-transpose wrappers. */
export const explicitTransposeKernelsInstalled = (): boolean =>
  MAT_MUL_KERNELS.every((name) => {
    const config = tf.getKernel(name, WASM);
    return config !== undefined && wrappers.has(config.kernelFunc);
  });
