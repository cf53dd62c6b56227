import { tf } from '@bijective/core';

/** The name tfjs's WASM backend registers under. */
export const WASM = 'wasm';

/** Kernel functions for `wasm`, by kernel name. */
export type KernelTable = Readonly<Record<string, tf.KernelFunc>>;

/**
 * Register every kernel of `table` for `wasm` that is not registered yet.
 * Idempotent; returns `true` if it registered any now.
 *
 * @example
 * ```ts
 * installKernelTable({ [FUSED_ADAM_MULTI]: fusedAdamMulti }); // true, then false
 * ```
 */
export const installKernelTable = (table: KernelTable): boolean => {
  let changed = false;
  for (const [kernelName, kernelFunc] of Object.entries(table)) {
    if (tf.getKernel(kernelName, WASM) !== undefined) continue;
    tf.registerKernel({ kernelName, backendName: WASM, kernelFunc });
    changed = true;
  }
  return changed;
};

/**
 * Unregister every kernel of `table` from `wasm` (for comparisons with the
 * composite ops). Returns `true` if it removed any.
 *
 * @example
 * ```ts
 * uninstallKernelTable(table); // the composite ops run again
 * ```
 */
export const uninstallKernelTable = (table: KernelTable): boolean => {
  let changed = false;
  for (const kernelName of Object.keys(table)) {
    if (tf.getKernel(kernelName, WASM) === undefined) continue;
    tf.unregisterKernel(kernelName, WASM);
    changed = true;
  }
  return changed;
};
