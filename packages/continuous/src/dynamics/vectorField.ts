import { type Params, type Parametrized, tf } from '@bijective/core';
import type { FieldTraceLayers } from '@bijective/core/nn';
import type { ActivationName } from '../activations.js';

/**
 * Time as a vector field receives it: one number for the whole batch (what
 * ODE solvers pass), or one time per row, `[batch]` (what flow-matching
 * training passes).
 */
export type Time = number | tf.Tensor1D;

/**
 * A time-dependent vector field `f(t, z; c)`: `[batch, dim]` → `[batch, dim]`,
 * the right-hand side of a neural ODE `dz/dt = f(t, z; c)` (Chen et al.,
 * "Neural Ordinary Differential Equations", 2018). `t` is a {@link Time};
 * `context`, for a conditional flow, is `[batch, contextDim]`. Rows must be
 * independent (row `r` of the output depends only on row `r` of `z`, `t`
 * and `context`): divergences are computed row by row from vector-Jacobian products.
 */
export type VectorField = (t: Time, z: tf.Tensor2D, context?: tf.Tensor2D) => tf.Tensor2D;

/**
 * A parametrized vector field ("dynamics network"): `init(seed)` draws
 * parameters, `apply(params)` gives the {@link VectorField}.
 *
 * @example
 * ```ts
 * const net: DynamicsDef<ConcatSquashParams> = concatSquashMlp({ dim: 2, hidden: [32, 32] });
 * const f = net.apply(net.init(0));
 * const v = f(0.5, tf.zeros([4, 2])); // [4, 2]
 * ```
 */
export type DynamicsDef<P extends Params = Params> = Parametrized<P, VectorField> & {
  /**
   * Optional: the same field as core's `fieldTrace` layers
   * (`pre_l = (h_l W_l) ⊙ s_l + c_l`), so FFJORD's exact trace runs by
   * forward-mode Jacobian propagation (one fused kernel where the backend has
   * it) instead of `D` vector-Jacobian products. `layerForm(params)` may do
   * the work that depends only on the parameters (FFJORD calls it once per
   * solve); the function it returns builds the scales and shifts from `t` and
   * `c` at each evaluation. Must give the field `apply` gives.
   */
  layerForm?(params: P): (t: Time, batch: number, context?: tf.Tensor2D) => LayerForm;
};

/** A dynamics network at one time as core's `fieldTrace` takes it, with its hidden activation. */
export type LayerForm = FieldTraceLayers & { readonly activation: ActivationName };

/**
 * The conditioning input `[t, c]` of a dynamics layer: `[rows, 1 + contextDim]`,
 * or `[1, 1]` for a single time without context (it broadcasts over the batch).
 *
 * @example
 * ```ts
 * timeAndContext(0.5, 4);                 // [[0.5]]
 * timeAndContext(tf.tensor1d([0, 1]), 2); // [[0], [1]]
 * ```
 */
export const timeAndContext = (t: Time, rows: number, context?: tf.Tensor2D): tf.Tensor2D => {
  const column =
    typeof t === 'number'
      ? (tf.fill([context === undefined ? 1 : rows, 1], t) as tf.Tensor2D)
      : (tf.reshape(t, [rows, 1]) as tf.Tensor2D);
  return context === undefined ? column : (tf.concat([column, context], 1) as tf.Tensor2D);
};
