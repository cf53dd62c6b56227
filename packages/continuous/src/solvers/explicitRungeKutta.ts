import { tf } from '@bijective/core';
import { combine } from './state.js';
import type { OdeFunction, OdeSolver, OdeState, SolveStats } from './types.js';

/** A Butcher tableau of an explicit Runge–Kutta method with `s` stages. */
export interface ButcherTableau {
  /** `s` nodes `cᵢ`. */
  readonly c: readonly number[];
  /** Lower-triangular stage weights: row `i` has `i` entries `aᵢⱼ`. */
  readonly a: readonly (readonly number[])[];
  /** `s` solution weights `bᵢ`. */
  readonly b: readonly number[];
}

/**
 * One step of an explicit Runge–Kutta method:
 * `kᵢ = f(t + cᵢh, y + h Σⱼ aᵢⱼ kⱼ)`, `y₁ = y + h Σᵢ bᵢ kᵢ`.
 * Returns the new state; `s` evaluations of `f` (Butcher 1963 notation).
 *
 * @example
 * ```ts
 * const heun: ButcherTableau = { c: [0, 1], a: [[], [1]], b: [0.5, 0.5] };
 * const y1 = rungeKuttaStep(heun, (t, [y]) => [tf.neg(y!)], 0, [tf.ones([1])], 0.1);
 * ```
 */
export const rungeKuttaStep = (
  tableau: ButcherTableau,
  f: OdeFunction,
  t: number,
  y: OdeState,
  h: number,
): tf.Tensor[] => {
  const ks: tf.Tensor[][] = [];
  for (let i = 0; i < tableau.c.length; i++) {
    const row = tableau.a[i] ?? [];
    const yi =
      i === 0
        ? y
        : combine(
            y,
            row.map((aij, j) => [h * aij, ks[j]!] as const),
          );
    ks.push(f(t + tableau.c[i]! * h, yi));
  }
  return combine(
    y,
    tableau.b.map((bi, i) => [h * bi, ks[i]!] as const),
  );
};

/**
 * A fixed-step solver from a Butcher tableau: `steps` equal steps of size
 * `h = (t1 - t0) / steps`. Each step runs in its own `tf.tidy`, and the
 * previous state is released, so outside a gradient tape memory stays flat.
 * Under a tape (backpropagation through the solver) the tape keeps what the
 * backward pass needs: memory then grows linearly with `steps`.
 *
 * @example
 * ```ts
 * const heun = explicitRungeKutta('heun', { c: [0, 1], a: [[], [1]], b: [0.5, 0.5] }, { order: 2 }, 10);
 * const { y } = heun.solve((t, [y]) => [tf.neg(y!)], [tf.ones([1])], 0, 1);
 * ```
 */
export const explicitRungeKutta = (
  name: string,
  tableau: ButcherTableau,
  extra: { readonly order: number },
  steps: number,
): OdeSolver => {
  if (!(Number.isInteger(steps) && steps > 0))
    throw new RangeError(`${name}: steps must be a positive integer, got ${steps}`);
  const stages = tableau.c.length;
  return {
    name,
    config: { kind: name, steps, order: extra.order },
    solve: (f, y0, t0, t1) => {
      if (t0 === t1)
        return { y: y0.map((t) => tf.clone(t)), stats: { nfe: 0, steps: 0, rejected: 0 } };
      const h = (t1 - t0) / steps;
      let y: OdeState = y0;
      for (let n = 0; n < steps; n++) {
        const t = n === steps - 1 ? t1 - h : t0 + n * h;
        const prev = y;
        y = tf.tidy(() => rungeKuttaStep(tableau, f, t, prev, h));
        if (prev !== y0) tf.dispose(prev as tf.Tensor[]);
      }
      const stats: SolveStats = { nfe: steps * stages, steps, rejected: 0 };
      return { y: y as tf.Tensor[], stats };
    },
  };
};
