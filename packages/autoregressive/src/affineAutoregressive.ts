import { type Batch, type TransformDef, softClamp, tf } from '@bijective/core';
import { type Univariate, maskedAutoregressive } from './autoregressive.js';
import { inverseTransform } from './inverseTransform.js';
import { type MadeOptions, type MadeParams, made } from './made.js';

/** Options shared by the autoregressive transforms: the MADE conditioner's, minus what the transform fixes. */
export type AutoregressiveOptions = Omit<MadeOptions, 'paramsPerDim' | 'outputBias'>;

const param = (p: tf.Tensor3D, k: number): Batch =>
  tf.reshape(tf.slice(p, [0, 0, k], [-1, -1, 1]), [p.shape[0], p.shape[1]]) as Batch;

/**
 * The monotone affine map of MAF/IAF layers, zuko's parametrisation:
 * per coordinate parameters `(shift, a)` and
 *
 *   forward (data → base): `y = x · exp(log s) + shift`, `log s = softClamp(a)` (core's zuko soft clamp),
 *   inverse (base → data): `x = (y - shift) · exp(-log s)`,
 *
 * with elementwise log-derivatives `log s` and `-log s`. Parameters are
 * `[batch, d, 2]`: slot 0 is the shift, slot 1 the unconstrained log-scale.
 *
 * @example
 * ```ts
 * const r = affineUnivariate.forward(x, tf.zeros([x.shape[0], x.shape[1], 2])); // identity
 * ```
 */
export const affineUnivariate: Univariate = {
  paramsPerDim: 2,
  forward: (x, p) => {
    const logScale = softClamp(param(p, 1));
    return {
      out: tf.add(tf.mul(x, tf.exp(logScale)), param(p, 0)) as Batch,
      logAbsDeriv: logScale,
    };
  },
  inverse: (y, p) => {
    const logScale = softClamp(param(p, 1));
    return {
      out: tf.mul(tf.sub(y, param(p, 0)), tf.exp(tf.neg(logScale))) as Batch,
      logAbsDeriv: tf.neg(logScale) as Batch,
    };
  },
};

/**
 * One MAF layer: an affine autoregressive transform (Papamakarios, Pavlakou &
 * Murray, "Masked Autoregressive Flow for Density Estimation", 2017) with a
 * {@link made} conditioner (Germain et al. 2015):
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
  maskedAutoregressive(made({ ...options, paramsPerDim: 2 }), affineUnivariate);

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
