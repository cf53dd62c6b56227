import { type TransformDef } from '@bijective/core';
import { additiveMap } from '@bijective/core/transforms';
import { type CouplingOptions, type CouplingParams, coupling } from './coupling.js';

/**
 * Additive coupling (Dinh, Krueger & Bengio, "NICE: Non-linear Independent
 * Components Estimation", 2014): {@link coupling} with core's `additiveMap`, a
 * volume-preserving coupling that shifts the transformed coordinates by a
 * function of the conditioning ones (and the optional context `c`,
 * concatenated to the conditioner input):
 *
 *   forward (data → base): `y_a = x_a`, `y_b = x_b + t([x_a, c])`,  `log|det J| = 0`
 *   inverse (base → data): `x_b = y_b - t([y_a, c])`
 *
 * `t` is an MLP (core's `initMlp`/`applyMlp`) whose last layer starts at 0,
 * so the layer starts as the identity. Both directions are one pass.
 * Shapes: `[batch, dim]` in and out, log-det `[batch]` (all zeros).
 *
 * @throws `BijectiveError` (ValueError) for an invalid mask or contextDim.
 * @example
 * ```ts
 * const t = additiveCoupling({ dim: 4, hidden: [64, 64], mask: alternatingMask(4, 1) });
 * const b = t.apply(t.init(0));
 * const { y, logDet } = tf.tidy(() => b.forward(x)); // logDet = 0
 * ```
 */
export const additiveCoupling = (options: CouplingOptions): TransformDef<CouplingParams> =>
  coupling(options, additiveMap);
