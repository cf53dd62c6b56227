import { mulberry32 } from '../random.js';

/**
 * `n` points of the two-moons set (as scikit-learn's `make_moons`): half on
 * the upper arc `(cos t, sin t)`, half on the lower `(1 − cos t, ½ − sin t)`,
 * `t ~ U(0, π)`, plus `N(0, noise²)` per coordinate; drawn in JS from `seed`,
 * so identical on every backend. Row-major `[n, 2]` values.
 *
 * @example
 * ```ts
 * const x = tf.tensor2d(twoMoons(256, 0), [256, 2]);
 * ```
 */
export const twoMoons = (n: number, seed: number, noise = 0.1): Float32Array => {
  const uniform = mulberry32(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const t = Math.PI * uniform();
    const upper = i % 2 === 0;
    out[2 * i] = (upper ? Math.cos(t) : 1 - Math.cos(t)) + noise * normal();
    out[2 * i + 1] = (upper ? Math.sin(t) : 0.5 - Math.sin(t)) + noise * normal();
  }
  return out;
};
