import { type TransformDef } from '@bijective/core';
import { affineMap } from '@bijective/core/transforms';
import { type CouplingOptions, type CouplingParams, coupling } from './coupling.js';

/**
 * Affine coupling (Dinh, Sohl-Dickstein & Bengio, "Density estimation using
 * Real NVP", 2017): {@link coupling} with core's `affineMap`. With
 * `(t, a) = MLP([x_a, c])` (`c` the optional context, concatenated to the
 * conditioner input) and the soft-clamped log-scale `s = a / (1 + |a| / 6.9078)`
 * (zuko's form, so the scale stays in `(1e-3, 1e3)` and sampling cannot explode):
 *
 *   forward (data → base): `y_a = x_a`, `y_b = x_b ⊙ exp(s) + t`,  `log|det J| = Σ_b s`
 *   inverse (base → data): `x_b = (y_b - t) ⊙ exp(-s)`,           `log|det J| = -Σ_b s`
 *
 * Both directions are a single pass. The conditioner's last layer starts at
 * 0 (`lastLayerScale`), so the layer starts as the identity.
 * Shapes: `[batch, dim]` in and out, log-det `[batch]`.
 *
 * @throws `BijectiveError` (ValueError) for an invalid mask or contextDim.
 * @example
 * ```ts
 * const t = affineCoupling({ dim: 2, contextDim: 3, hidden: [64, 64] });
 * const b = t.apply(t.init(0));
 * const { y, logDet } = tf.tidy(() => b.forward(x, context)); // x [n, 2], context [n, 3]
 * ```
 */
export const affineCoupling = (options: CouplingOptions): TransformDef<CouplingParams> =>
  coupling(options, affineMap);
