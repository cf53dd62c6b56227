import { tf } from '../tf.js';
import type { Batch } from '../bijection.js';
import { LOG_SCALE_BOUND, softClamp } from '../nn/softClamp.js';
import {
  FUSED_AFFINE,
  FUSED_AFFINE_GRAD,
  type FusedAffineAttrs,
  hasFusedKernel,
} from '../backend/fusedKernels.js';
import { runFusedElementMap } from './fusedElementMap.js';
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
 * All-zero raw parameters give the identity. On a backend that registers
 * `FUSED_AFFINE` each direction (and its gradient) is one kernel call that also
 * returns the per-row log-det; elsewhere the composite tfjs ops.
 *
 * @example
 * ```ts
 * const r = affineMap.forward(x, tf.zeros([x.shape[0], x.shape[1], 2])); // identity, log-derivative 0
 * ```
 */
const FORWARD: FusedAffineAttrs = { bound: LOG_SCALE_BOUND, inverse: false };
const INVERSE: FusedAffineAttrs = { bound: LOG_SCALE_BOUND, inverse: true };

export const affineMap: ElementMap = {
  paramsPerDim: 2,
  forward: (x, raw) => {
    if (hasFusedKernel(FUSED_AFFINE))
      return runFusedElementMap(FUSED_AFFINE, FUSED_AFFINE_GRAD, x, raw, FORWARD);
    const s = softClamp(rawComponent(raw, 1));
    return { out: tf.add(tf.mul(x, tf.exp(s)), rawComponent(raw, 0)) as Batch, logAbsDeriv: s };
  },
  inverse: (y, raw) => {
    if (hasFusedKernel(FUSED_AFFINE))
      return runFusedElementMap(FUSED_AFFINE, FUSED_AFFINE_GRAD, y, raw, INVERSE);
    const s = softClamp(rawComponent(raw, 1));
    return {
      out: tf.mul(tf.sub(y, rawComponent(raw, 0)), tf.exp(tf.neg(s))) as Batch,
      logAbsDeriv: tf.neg(s) as Batch,
    };
  },
};
