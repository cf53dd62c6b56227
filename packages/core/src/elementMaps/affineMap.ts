import { tf } from '../tf.js';
import type { Batch } from '../bijection.js';
import { softClamp } from '../nn/softClamp.js';
import { type ElementMap, rawComponent } from './elementMap.js';

/**
 * The monotone affine element map of Real NVP, Glow, MAF and IAF, in zuko's
 * parametrisation (zuko 1.x `MonotonicAffineTransform`): raw parameters
 * `(shift, a)` per coordinate (slot 0 the shift, slot 1 the unconstrained
 * log-scale), soft-clamped log-scale `s = a / (1 + |a| / 6.9078)` (see
 * {@link softClamp}, so the scale stays in `(1e-3, 1e3)`), and
 *
 *   forward (data → base): `y = x · exp(s) + shift`,   `log|∂y/∂x| = s`
 *   inverse (base → data): `x = (y - shift) · exp(-s)`, `log|∂x/∂y| = -s`.
 *
 * All-zero raw parameters give the identity.
 *
 * @example
 * ```ts
 * const r = affineMap.forward(x, tf.zeros([x.shape[0], x.shape[1], 2])); // identity, log-derivative 0
 * ```
 */
export const affineMap: ElementMap = {
  paramsPerDim: 2,
  forward: (x, raw) => {
    const s = softClamp(rawComponent(raw, 1));
    return { out: tf.add(tf.mul(x, tf.exp(s)), rawComponent(raw, 0)) as Batch, logAbsDeriv: s };
  },
  inverse: (y, raw) => {
    const s = softClamp(rawComponent(raw, 1));
    return {
      out: tf.mul(tf.sub(y, rawComponent(raw, 0)), tf.exp(tf.neg(s))) as Batch,
      logAbsDeriv: tf.neg(s) as Batch,
    };
  },
};
