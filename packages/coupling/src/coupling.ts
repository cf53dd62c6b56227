import { type Batch, type TransformDef, tf, valueError } from '@bijective/core';
import {
  type ElementMap,
  rawComponent,
  rowLogDet,
  selectColumns,
  mergeColumns,
  requireContext,
  reshapeNoSave,
} from '@bijective/core/transforms';
import { type Activation, type DenseParams, applyMlp, initMlp } from '@bijective/core/nn';
import { type CouplingMask, alternatingMask } from './mask.js';

/** Options shared by every coupling transform. */
export interface CouplingOptions {
  /** Number of coordinates, ≥ 2. */
  readonly dim: number;
  /** Width of the optional context vector (default 0: unconditional). */
  readonly contextDim?: number;
  /** Which coordinates condition and which are transformed (default `alternatingMask(dim, 0)`). */
  readonly mask?: CouplingMask;
  /** Hidden layer widths of the conditioner MLP (default `[64, 64]`). */
  readonly hidden?: readonly number[];
  /** Hidden activation of the conditioner (default ReLU, fused). */
  readonly activation?: Activation;
  /**
   * Scale of the conditioner's initial last-layer weights (default 0): 0
   * makes the conditioner output its bias at init, so every coupling starts
   * exactly at the identity.
   */
  readonly lastLayerScale?: number;
}

/** Parameters of a coupling transform: the conditioner MLP's dense layers. */
export type CouplingParams = {
  readonly net: readonly DenseParams[];
};

/**
 * The elementwise bijection a coupling applies to its transformed
 * coordinates: core's {@link ElementMap} (this name is kept for existing code).
 */
export type ConditionalElementwise = ElementMap;

/**
 * A general coupling layer (Dinh, Krueger & Bengio, "NICE", 2014; Dinh,
 * Sohl-Dickstein & Bengio, "Density estimation using Real NVP", 2017).
 * With `a` the conditioning and `b` the transformed coordinates of the mask
 * and `c` the optional context:
 *
 *   `y_a = x_a`,  `y_b = τ(x_b; θ)`,  `θ = MLP([x_a, c])`,
 *   `log|det ∂y/∂x| = Σ_b log|τ'(x_b; θ)|`
 *
 * since the Jacobian is block-triangular. Because `θ` depends only on
 * `x_a = y_a`, the inverse `x_b = τ⁻¹(y_b; MLP([y_a, c]))` is also a single
 * pass: **both directions are equally fast**. `τ` is any of core's element
 * maps (`additiveMap`, `affineMap`, `splineMap`, or your own {@link ElementMap});
 * the same map in `@bijective/autoregressive`'s `autoregressive` gives the
 * autoregressive variant.
 *
 * Shapes: `x` `[batch, dim]`, `context` `[batch, contextDim]`, log-det `[batch]`.
 *
 * @throws `BijectiveError` (ValueError) for a mask that does not match `dim`
 *   or a negative `contextDim`. The bijection throws a ShapeError if a
 *   conditional coupling is called without a context.
 * @example
 * ```ts
 * const t = coupling({ dim: 4, hidden: [32] }, additiveMap); // = additiveCoupling({ dim: 4, hidden: [32] })
 * ```
 */
export const coupling = (
  options: CouplingOptions,
  tau: ElementMap,
): TransformDef<CouplingParams> => {
  const { dim } = options;
  const contextDim = options.contextDim ?? 0;
  const mask = options.mask ?? alternatingMask(dim, 0);
  const hidden = options.hidden ?? [64, 64];
  if (mask.dim !== dim)
    throw valueError('options.mask', `a mask over ${dim} coordinates`, `a mask over ${mask.dim}`);
  if (!(Number.isInteger(contextDim) && contextDim >= 0))
    throw valueError('options.contextDim', 'a non-negative integer', String(contextDim));
  const na = mask.conditioning.length;
  const nb = mask.transformed.length;
  const k = tau.paramsPerDim;
  // Position of each output coordinate in [x_a, y_b], to put the parts back in place.
  const merge = new Array<number>(dim);
  mask.conditioning.forEach((j, i) => (merge[j] = i));
  mask.transformed.forEach((j, i) => (merge[j] = na + i));

  const columns = (x: Batch, idx: readonly number[]): Batch => selectColumns(x, idx);
  const theta = (
    net: readonly DenseParams[],
    xa: Batch,
    context: Batch | undefined,
  ): tf.Tensor3D => {
    let input = xa;
    requireContext(context, contextDim, xa.shape[0]);
    if (context !== undefined) input = tf.concat([xa, context], 1);
    return reshapeNoSave<tf.Rank.R3>(applyMlp(net, input, options.activation), [
      xa.shape[0],
      nb,
      k,
    ]);
  };
  const run = (
    net: readonly DenseParams[],
    x: Batch,
    context: Batch | undefined,
    inverse: boolean,
  ) => {
    const xa = columns(x, mask.conditioning);
    const xb = columns(x, mask.transformed);
    const p = theta(net, xa, context);
    const r = inverse ? tau.inverse(xb, p) : tau.forward(xb, p);
    return {
      out: mergeColumns(xa, r.out, merge),
      logDet: rowLogDet(r),
    };
  };

  return {
    contextDim,
    init: (seed) => {
      const net = initMlp(
        {
          input: na + contextDim,
          hidden,
          output: nb * k,
          lastLayerScale: options.lastLayerScale ?? 0,
        },
        seed,
      );
      const init = tau.initialOutput;
      if (init === undefined || init.every((v) => v === 0)) return { net };
      const last = net[net.length - 1]!;
      last.b.dispose();
      const b = tf.tensor1d(Array.from({ length: nb }, () => init).flat());
      return { net: [...net.slice(0, -1), { w: last.w, b }] };
    },
    apply: ({ net }) => ({
      forward: (x, context) => {
        const r = run(net, x, context, false);
        return { y: r.out, logDet: r.logDet };
      },
      inverse: (y, context) => {
        const r = run(net, y, context, true);
        return { x: r.out, logDet: r.logDet };
      },
    }),
  };
};

/**
 * Component `j` of conditioner outputs `theta` `[batch, transformed, k]`, as a
 * `[batch, transformed]` batch: core's {@link rawComponent} (this name is kept
 * for existing code).
 *
 * @example
 * ```ts
 * const logScale = thetaComponent(theta, 1);
 * ```
 */
export const thetaComponent = rawComponent;
