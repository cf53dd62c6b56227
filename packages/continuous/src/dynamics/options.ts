import type { Activation } from '@bijective/core/nn';
import { type ActivationName, activation } from '../activations.js';

/** Options of the dynamics networks `concatMlp` and `concatSquashMlp`. */
export interface DynamicsMlpOptions {
  readonly dim: number;
  /** Hidden widths (default `[64, 64]`). */
  readonly hidden?: readonly number[];
  /** Width of the context vector of a conditional flow (default 0). */
  readonly contextDim?: number;
  /** A second-order-safe activation (default `'tanh'`). */
  readonly activation?: ActivationName;
}

/**
 * The defaults of {@link DynamicsMlpOptions} applied: layer sizes
 * `[dim, ...hidden, dim]`, the width `1 + contextDim` of the conditioning
 * `[t, c]`, and the activation function.
 *
 * @example
 * ```ts
 * resolveMlpOptions({ dim: 2, contextDim: 3 }); // { sizes: [2, 64, 64, 2], cond: 4, act: safeTanh }
 * ```
 */
export const resolveMlpOptions = (
  options: DynamicsMlpOptions,
): { readonly sizes: readonly number[]; readonly cond: number; readonly act: Activation } => ({
  sizes: [options.dim, ...(options.hidden ?? [64, 64]), options.dim],
  cond: 1 + (options.contextDim ?? 0),
  act: activation(options.activation ?? 'tanh'),
});
