import { type Batch, tf } from '@bijective/core';
import { type AffineParams, affineTransform } from '@bijective/core/transforms';
import type { InitializableTransformDef } from './dataInit.js';

/** Parameters of {@link actNorm}: `shift` and `logScale`, each `[dim]`. */
export type ActNormParams = AffineParams;

/** Added to the standard deviation in the data-dependent initialisation (as in Glow), so a constant column stays finite. */
export const ACT_NORM_EPSILON = 1e-6;

/**
 * The ActNorm parameters that standardize `x` `[batch, dim]`: per coordinate
 * `shift = mean(x)` and `logScale = log(std(x) + 1e-6)` (population
 * standard deviation; Glow's epsilon), so `actNorm`'s output on `x` has
 * mean 0 and standard deviation `std / (std + 1e-6) ≈ 1`. New tensors,
 * owned by the caller.
 *
 * @example
 * ```ts
 * const p = actNormInit(x); // { shift: [dim], logScale: [dim] }
 * const { y } = tf.tidy(() => actNorm(dim).apply(p).forward(x)); // standardized columns
 * ```
 */
export const actNormInit = (x: Batch): ActNormParams =>
  tf.tidy(() => {
    const { mean, variance } = tf.moments(x, 0);
    return {
      shift: mean as tf.Tensor1D,
      logScale: tf.log(tf.add(tf.sqrt(variance), ACT_NORM_EPSILON)) as tf.Tensor1D,
    };
  });

/**
 * Activation normalization (Kingma & Dhariwal, "Glow: Generative Flow with
 * Invertible 1x1 Convolutions", 2018) for vectors: a learnable per-coordinate
 * affine map
 *
 *   forward (data → base): `y = (x - shift) ⊙ exp(-logScale)`,  `log|det J| = -Σ logScale`
 *   inverse (base → data): `x = y ⊙ exp(logScale) + shift`
 *
 * (the maths is core's `affineTransform`; this adds Glow's initialisation).
 * `init` gives the identity; `initFromData(params, x)` returns new parameters
 * from {@link actNormInit}, so the layer's output on `x` has zero mean and unit
 * variance per coordinate. In a stack, use {@link stack} /
 * {@link dataDependentInit} so each ActNorm is initialised on the data as
 * transformed by the layers before it. Ignores any context. Both directions
 * are one elementwise pass. Shapes: `[batch, dim]`, log-det `[batch]`.
 *
 * @example
 * ```ts
 * const t = actNorm(3);
 * const params = t.initFromData(t.init(0), x); // data-dependent init
 * const { y, logDet } = tf.tidy(() => t.apply(params).forward(x));
 * ```
 */
export const actNorm = (dim: number): InitializableTransformDef<ActNormParams> => {
  const base = affineTransform(dim);
  return {
    init: (seed) => base.init(seed),
    apply: (params) => base.apply(params),
    initFromData: (_params, x) => actNormInit(x),
  };
};
