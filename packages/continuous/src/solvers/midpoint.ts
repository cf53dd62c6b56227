import { explicitRungeKutta } from './explicitRungeKutta.js';
import type { OdeSolver } from './types.js';

/**
 * The explicit midpoint method (a second-order Runge–Kutta method):
 * `k₁ = f(t, y)`, `k₂ = f(t + h/2, y + (h/2) k₁)`, `y_{n+1} = y_n + h k₂`.
 * Global error `O(h²)`, two evaluations of `f` per step, fixed step size.
 *
 * @example
 * ```ts
 * const { y } = midpoint({ steps: 20 }).solve((t, [y]) => [tf.neg(y!)], [tf.ones([1])], 0, 1);
 * ```
 */
export const midpoint = (options: { readonly steps: number }): OdeSolver =>
  explicitRungeKutta(
    'midpoint',
    { c: [0, 0.5], a: [[], [0.5]], b: [0, 1] },
    { order: 2 },
    options.steps,
  );
