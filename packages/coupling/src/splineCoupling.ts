import { type TransformDef } from '@bijective/core';
import { splineMap } from '@bijective/core/transforms';
import { type SplineOptions } from '@bijective/core/spline';
import { type CouplingOptions, type CouplingParams, coupling } from './coupling.js';

/** Options of {@link splineCoupling}: the coupling's and the spline's (bins `K`, default 8; bound `B`, default 5). */
export interface SplineCouplingOptions extends CouplingOptions, SplineOptions {}

/**
 * Rational-quadratic spline coupling (Durkan, Bekasov, Murray & Papamakarios,
 * "Neural Spline Flows", 2019): {@link coupling} with core's `splineMap`. Each
 * transformed coordinate goes through a monotone rational-quadratic spline
 * with `K` bins on `[-B, B]` and identity tails, whose `3K - 1` raw parameters
 * (K widths, K heights, K - 1 interior derivatives) are `MLP([x_a, c])` (`c`
 * the optional context):
 *
 *   forward (data → base): `y_b = RQS(x_b; θ)`,  `log|det J| = Σ_b log RQS'(x_b; θ)`
 *   inverse (base → data): `x_b = RQS⁻¹(y_b; θ)` in closed form (a quadratic per coordinate)
 *
 * Both directions are one pass. The conditioner starts at uniform bins and
 * unit derivatives, i.e. exactly the identity.
 * Shapes: `[batch, dim]` in and out, log-det `[batch]`.
 *
 * @throws `BijectiveError` (ValueError) for an invalid mask, contextDim, `bins < 2` or `bound ≤ 0`.
 * @example
 * ```ts
 * const t = splineCoupling({ dim: 2, bins: 8, bound: 5, hidden: [64, 64] });
 * const b = t.apply(t.init(0));
 * const { x } = tf.tidy(() => b.inverse(tf.randomNormal([100, 2])));
 * ```
 */
export const splineCoupling = (options: SplineCouplingOptions): TransformDef<CouplingParams> =>
  coupling(options, splineMap(options));
