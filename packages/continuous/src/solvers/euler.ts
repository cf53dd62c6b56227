import { explicitRungeKutta } from './explicitRungeKutta.js';
import type { OdeSolver } from './types.js';

/**
 * The explicit Euler method, `y_{n+1} = y_n + h f(t_n, y_n)`: first order
 * (global error `O(h)`), one evaluation of `f` per step. Fixed step size
 * `h = (t1 - t0) / steps`. Cheap and crude; mostly a baseline.
 *
 * @example
 * ```ts
 * const { y, stats } = euler({ steps: 100 }).solve((t, [y]) => [tf.neg(y!)], [tf.ones([1])], 0, 1);
 * // y ≈ e⁻¹ within ~2e-3; stats.nfe = 100
 * ```
 */
export const euler = (options: { readonly steps: number }): OdeSolver =>
  explicitRungeKutta('euler', { c: [0], a: [[]], b: [1] }, { order: 1 }, options.steps);
