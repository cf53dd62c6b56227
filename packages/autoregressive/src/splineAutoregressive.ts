import { type TransformDef } from '@bijective/core';
import { type ElementMap, splineMap } from '@bijective/core/transforms';
import { type SplineOptions } from '@bijective/core/spline';
import { type AutoregressiveOptions, autoregressive } from './autoregressive.js';
import { inverseTransform } from './inverseTransform.js';
import type { MadeParams } from './made.js';

/** Options of {@link splineAutoregressive}: the MADE conditioner's plus the spline's (`bins` default 8, `bound` default 5). */
export type SplineAutoregressiveOptions = AutoregressiveOptions & SplineOptions;

/**
 * The monotone rational-quadratic spline as an element map: core's
 * `splineMap`, under the name this package has always exported
 * (`[batch, d, 3K - 1]` raw parameters per coordinate).
 *
 * @throws `BijectiveError` (ValueError) for `bins < 2` or `bound ≤ 0`.
 * @example
 * ```ts
 * const u = splineUnivariate({ bins: 8, bound: 5 });
 * const r = u.forward(x, raw); // raw: [batch, d, 23]
 * ```
 */
export const splineUnivariate: (options?: SplineOptions) => ElementMap = splineMap;

/**
 * An autoregressive neural spline layer (NSF-AR; Durkan, Bekasov, Murray &
 * Papamakarios, "Neural Spline Flows", 2019): each coordinate goes through a
 * monotone rational-quadratic spline with `K` bins on `[-B, B]` (identity
 * outside) whose `3K - 1` parameters a {@link made} network computes from the
 * earlier coordinates (`autoregressive(options, splineMap(options))`),
 *
 *   `yᵢ = RQS(xᵢ; θᵢ(x_{<i}, c))`, `log|det ∂y/∂x| = Σᵢ log RQS'(xᵢ; θᵢ)`.
 *
 * Output biases start at the identity spline (uniform bins, unit
 * derivatives), so with the small output layer the layer starts near the identity.
 *
 * **Fast direction:** `forward` (data → base, density) is one parallel pass;
 * `inverse` (base → data, sampling) is `dim` sequential passes.
 *
 * @example
 * ```ts
 * const t = splineAutoregressive({ dim: 2, bins: 8, bound: 5 });
 * const b = t.apply(t.init(0));
 * const { y, logDet } = tf.tidy(() => b.forward(tf.randomNormal([8, 2])));
 * ```
 */
export const splineAutoregressive = (
  options: SplineAutoregressiveOptions,
): TransformDef<MadeParams> => autoregressive(options, splineMap(options));

/**
 * The inverse-autoregressive spline layer: {@link splineAutoregressive} with
 * directions swapped (as IAF swaps MAF). **Fast direction:** `inverse` (base →
 * data, sampling) is one pass; `forward` (density of new data) is `dim` passes.
 *
 * @example
 * ```ts
 * const t = inverseSplineAutoregressive({ dim: 2 });
 * const { x } = tf.tidy(() => t.apply(t.init(0)).inverse(tf.randomNormal([8, 2])));
 * ```
 */
export const inverseSplineAutoregressive = (
  options: SplineAutoregressiveOptions,
): TransformDef<MadeParams> => inverseTransform(splineAutoregressive(options));
