import { explicitRungeKutta } from './explicitRungeKutta.js';
import type { OdeSolver } from './types.js';

/**
 * The classical fourth-order Runge–Kutta method (Kutta 1901):
 * `k₁ = f(t, y)`, `k₂ = f(t + h/2, y + h k₁/2)`, `k₃ = f(t + h/2, y + h k₂/2)`,
 * `k₄ = f(t + h, y + h k₃)`, `y_{n+1} = y_n + h (k₁ + 2k₂ + 2k₃ + k₄)/6`.
 * Global error `O(h⁴)`, four evaluations per step, fixed step size. The
 * usual choice when a deterministic cost (and an exactly reproducible
 * discretisation, e.g. for a brute-force Jacobian check) matters.
 *
 * @example
 * ```ts
 * const { y } = rk4({ steps: 10 }).solve((t, [y]) => [tf.neg(y!)], [tf.ones([1])], 0, 1);
 * // |y - e⁻¹| < 1e-6
 * ```
 */
export const rk4 = (options: { readonly steps: number }): OdeSolver =>
  explicitRungeKutta(
    'rk4',
    { c: [0, 0.5, 0.5, 1], a: [[], [0.5], [0, 0.5], [0, 0, 1]], b: [1 / 6, 1 / 3, 1 / 3, 1 / 6] },
    { order: 4 },
    options.steps,
  );
