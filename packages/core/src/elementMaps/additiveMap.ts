import { tf } from '../tf.js';
import { type ElementMap, rawComponent } from './elementMap.js';

/**
 * The additive (shift) element map of NICE (Dinh, Krueger & Bengio, "NICE:
 * Non-linear Independent Components Estimation", 2014), one raw parameter
 * `t` per coordinate:
 *
 *   forward (data → base): `y = x + t`,  inverse (base → data): `x = y - t`,
 *   `log|∂y/∂x| = 0` (volume preserving).
 *
 * @example
 * ```ts
 * const r = additiveMap.forward(x, raw); // raw: [batch, d, 1]; r.logAbsDeriv is all zeros
 * ```
 */
export const additiveMap: ElementMap = {
  paramsPerDim: 1,
  forward: (x, raw) => ({
    out: tf.add(x, rawComponent(raw, 0)),
    logAbsDeriv: tf.zerosLike(x),
  }),
  inverse: (y, raw) => ({
    out: tf.sub(y, rawComponent(raw, 0)),
    logAbsDeriv: tf.zerosLike(y),
  }),
};
