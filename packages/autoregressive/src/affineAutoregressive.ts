import { type TransformDef } from '@bijective/core';
import { type ElementMap, affineMap } from '@bijective/core/transforms';
import { type AutoregressiveOptions, autoregressive } from './autoregressive.js';
import { inverseTransform } from './inverseTransform.js';
import type { MadeParams } from './made.js';

/** Options shared by the autoregressive transforms (kept here for existing imports). */
export type { AutoregressiveOptions } from './autoregressive.js';

/**
 * The monotone affine map of MAF/IAF layers: core's `affineMap` (zuko's
 * soft-clamped log-scale + shift; slot 0 the shift, slot 1 the unconstrained
 * log-scale), under the name this package has always exported.
 *
 * @example
 * ```ts
 * const r = affineUnivariate.forward(x, tf.zeros([x.shape[0], x.shape[1], 2])); // identity
 * ```
 */
export const affineUnivariate: ElementMap = affineMap;

/**
 * One MAF layer: an affine autoregressive transform (Papamakarios, Pavlakou &
 * Murray, "Masked Autoregressive Flow for Density Estimation", 2017) with a
 * {@link made} conditioner (Germain et al. 2015), i.e. `autoregressive(options, affineMap)`:
 *
 *   `yᵢ = xᵢ · exp(log sᵢ) + shiftᵢ`, `(shiftᵢ, log sᵢ) = MADE(x_{<i}, c)ᵢ`,
 *   `log|det ∂y/∂x| = Σᵢ log sᵢ`, `log s = a / (1 + |a / log 1e-3|)` (zuko's scale).
 *
 * **Fast direction:** `forward` (data → base, density) is one parallel pass;
 * `inverse` (base → data, sampling) is `dim` sequential passes. Starts near the
 * identity (small output layer). Shapes `[batch, dim]`, context `[batch, contextDim]`.
 *
 * @example
 * ```ts
 * const t = affineAutoregressive({ dim: 2, hidden: [64, 64], ordering: 'reversed' });
 * const def = flow({ name: 'oneLayerMaf', dim: 2, transform: t });
 * const lp = tf.tidy(() => def.apply(def.init(0)).logProb(tf.randomNormal([16, 2])));
 * ```
 */
export const affineAutoregressive = (options: AutoregressiveOptions): TransformDef<MadeParams> =>
  autoregressive(options, affineMap);

/**
 * One IAF layer: the affine autoregressive transform run the other way
 * (Kingma, Salimans, Jozefowicz, Chen, Sutskever & Welling, "Improved
 * Variational Inference with Inverse Autoregressive Flow", 2016), i.e.
 * `inverseTransform(affineAutoregressive(options))`. Sampling conditions on
 * the *base* variable:
 *
 *   inverse (base → data): `xᵢ = zᵢ · exp(log sᵢ) + shiftᵢ`, `(shiftᵢ, log sᵢ) = MADE(z_{<i}, c)ᵢ`,
 *   `log|det ∂x/∂z| = Σᵢ log sᵢ`.
 *
 * **Fast direction:** `inverse` (base → data, sampling and `sampleAndLogProb`)
 * is one parallel pass; `forward` (data → base, density of new data) is `dim`
 * sequential passes. The natural choice for variational inference and distillation.
 *
 * @example
 * ```ts
 * const t = inverseAffineAutoregressive({ dim: 2 });
 * const def = flow({ name: 'oneLayerIaf', dim: 2, transform: t });
 * const { x, logProb } = tf.tidy(() => def.apply(def.init(0)).sampleAndLogProb(16, 0));
 * ```
 */
export const inverseAffineAutoregressive = (
  options: AutoregressiveOptions,
): TransformDef<MadeParams> => inverseTransform(affineAutoregressive(options));
