import { BijectiveError, tf } from '@bijective/core';
import { combine } from './state.js';
import type { OdeFunction, OdeSolver, OdeState } from './types.js';

/** Options of {@link dopri5}. */
export interface Dopri5Options {
  /**
   * Relative tolerance (default 1e-5). Float32 carries ~7 significant digits
   * (ε ≈ 1.2e-7), and the embedded error estimate is itself computed in
   * float32, so tolerances below ~1e-6 are dominated by rounding noise: the
   * controller then shrinks the step for nothing and runs into `maxSteps`.
   * 1e-5 (FFJORD's setting) leaves two orders of headroom.
   */
  readonly rtol?: number;
  /** Absolute tolerance (default 1e-5); same float32 caveat as `rtol`. */
  readonly atol?: number;
  /** Give up (throw a `DivergedError`-kind `BijectiveError`) after this many attempted steps (default 1000). */
  readonly maxSteps?: number;
  /** First step size magnitude; default: chosen by Hairer's heuristic (one extra evaluation). */
  readonly firstStep?: number;
  /** Safety factor of the step-size controller (default 0.9). */
  readonly safety?: number;
}

// Dormand & Prince (1980) RK5(4)7M coefficients.
const C = [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1, 1] as const;
const A: readonly (readonly number[])[] = [
  [],
  [1 / 5],
  [3 / 40, 9 / 40],
  [44 / 45, -56 / 15, 32 / 9],
  [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
  [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
];
/** Fifth-order weights (the solution is propagated with these: local extrapolation). */
const B = [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0] as const;
/** Fifth minus embedded fourth-order weights: the local error estimate. */
const E = [
  35 / 384 - 5179 / 57600,
  0,
  500 / 1113 - 7571 / 16695,
  125 / 192 - 393 / 640,
  -2187 / 6784 + 92097 / 339200,
  11 / 84 - 187 / 2100,
  -1 / 40,
] as const;

/** RMS of `e / (atol + rtol·max(|a|, |b|))` over every element of every component: a scalar tensor. */
const scaledRms = (
  e: OdeState,
  a: OdeState,
  b: OdeState,
  rtol: number,
  atol: number,
): tf.Scalar => {
  let count = 0;
  const sums = e.map((ei, i) => {
    count += ei.size;
    const scale = tf.add(atol, tf.mul(rtol, tf.maximum(tf.abs(a[i]!), tf.abs(b[i]!))));
    return tf.sum(tf.square(tf.div(ei, scale)));
  });
  return tf.sqrt(tf.div(tf.addN(sums), Math.max(count, 1))) as tf.Scalar;
};

const readScalar = (s: tf.Scalar): number => {
  const v = s.dataSync()[0]!;
  s.dispose();
  return v;
};

/**
 * The Dormand–Prince 5(4) adaptive Runge–Kutta method (Dormand & Prince,
 * "A family of embedded Runge-Kutta formulae", 1980) — `ode45`/`dopri5`, the
 * default solver of FFJORD (Grathwohl et al. 2019). Seven stages with FSAL
 * (the last evaluation of an accepted step is the first of the next, so six
 * new evaluations per step); the fifth-order solution is propagated and the
 * embedded fourth-order one gives the error estimate
 * `err = ‖h Σ eᵢkᵢ / (atol + rtol·max(|y₀|, |y₁|))‖_RMS`.
 * A step is accepted when `err ≤ 1`; the next step is `h·clamp(0.9·err^(-1/5), 0.2, 10)`
 * (never grown right after a rejection). The last step is clipped to land on `t1`.
 *
 * Reports the number of function evaluations (`stats.nfe`, including the
 * one of the initial step-size heuristic), accepted and rejected steps.
 * Reads one scalar back from the backend per attempted step.
 *
 * @example
 * ```ts
 * const { y, stats } = dopri5({ rtol: 1e-5, atol: 1e-6 }).solve((t, [y]) => [tf.neg(y!)], [tf.ones([1])], 0, 1);
 * console.log(stats.nfe, stats.steps, stats.rejected);
 * ```
 */
export const dopri5 = (options: Dopri5Options = {}): OdeSolver => {
  const rtol = options.rtol ?? 1e-5;
  const atol = options.atol ?? 1e-5;
  const maxSteps = options.maxSteps ?? 1000;
  const safety = options.safety ?? 0.9;
  if (!(rtol > 0 && atol > 0))
    throw new RangeError(`dopri5: rtol and atol must be positive, got ${rtol}, ${atol}`);
  const config = {
    kind: 'dopri5',
    rtol,
    atol,
    maxSteps,
    ...(options.firstStep !== undefined ? { firstStep: options.firstStep } : {}),
  };
  const solve = (f: OdeFunction, y0: OdeState, t0: number, t1: number) => {
    if (t0 === t1)
      return { y: y0.map((t) => tf.clone(t)), stats: { nfe: 0, steps: 0, rejected: 0 } };
    const span = Math.abs(t1 - t0);
    const dir = Math.sign(t1 - t0);
    let nfe = 0;
    const evaluate = (t: number, y: OdeState): tf.Tensor[] => {
      nfe++;
      return f(t, y);
    };
    let k1 = tf.tidy(() => evaluate(t0, y0));
    // Initial step size: Hairer, Nørsett & Wanner, "Solving ODEs I", II.4.
    let h: number;
    if (options.firstStep !== undefined) {
      h = Math.min(options.firstStep, span);
    } else {
      const d0 = readScalar(tf.tidy(() => scaledRms(y0, y0, y0, rtol, atol)));
      const d1 = readScalar(tf.tidy(() => scaledRms(k1, y0, y0, rtol, atol)));
      const h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : (0.01 * d0) / d1;
      const d2 =
        readScalar(
          tf.tidy(() => {
            const y1 = combine(y0, [[dir * h0, k1]]);
            const f1 = evaluate(t0 + dir * h0, y1);
            return scaledRms(
              f1.map((fi, i) => tf.sub(fi, k1[i]!)),
              y0,
              y0,
              rtol,
              atol,
            );
          }),
        ) / h0;
      const dmax = Math.max(d1, d2);
      const h1 = dmax <= 1e-15 ? Math.max(1e-6, h0 * 1e-3) : Math.pow(0.01 / dmax, 1 / 5);
      h = Math.min(100 * h0, h1, span);
    }
    let t = t0;
    let y: OdeState = y0;
    let steps = 0;
    let rejected = 0;
    let lastRejected = false;
    for (let attempt = 0; ; attempt++) {
      if (attempt >= maxSteps) {
        tf.dispose(k1);
        if (y !== y0) tf.dispose(y as tf.Tensor[]);
        throw new BijectiveError(
          'DivergedError',
          `dopri5: no convergence after ${maxSteps} steps (t = ${t} of [${t0}, ${t1}], step ${h}); ` +
            'the dynamics may be stiff or the tolerances too tight for float32 (rtol, atol ≥ 1e-6)',
          'options.maxSteps',
        );
      }
      const remaining = Math.abs(t1 - t);
      const last = h >= remaining * (1 - 1e-12);
      const hs = dir * (last ? remaining : h);
      const cur = y;
      const curK1 = k1;
      const out = tf.tidy(() => {
        const ks: tf.Tensor[][] = [curK1];
        for (let i = 1; i < 6; i++)
          ks.push(
            evaluate(
              t + C[i]! * hs,
              combine(
                cur,
                A[i]!.map((a, j) => [hs * a, ks[j]!] as const),
              ),
            ),
          );
        const y1 = combine(
          cur,
          B.slice(0, 6).map((b, i) => [hs * b, ks[i]!] as const),
        );
        const k7 = evaluate(t + hs, y1);
        ks.push(k7);
        const err = E.map((e, i) => [hs * e, ks[i]!] as const).filter(([c]) => c !== 0);
        const errState = cur.map((ci, j) => tf.addN(err.map(([c, k]) => tf.mul(c, k[j]!))));
        return { y1, k7, ratio: scaledRms(errState, cur, y1, rtol, atol) };
      });
      const ratio = readScalar(out.ratio);
      if (ratio <= 1) {
        if (cur !== y0) tf.dispose(cur as tf.Tensor[]);
        tf.dispose(curK1);
        y = out.y1;
        k1 = out.k7;
        t = last ? t1 : t + hs;
        steps++;
        if (last) break;
        const grow =
          ratio === 0 ? 10 : Math.min(10, Math.max(0.2, safety * Math.pow(ratio, -1 / 5)));
        h = Math.abs(hs) * (lastRejected ? Math.min(1, grow) : grow);
        lastRejected = false;
      } else {
        tf.dispose([out.y1, out.k7]);
        rejected++;
        lastRejected = true;
        const shrink = Number.isFinite(ratio)
          ? Math.max(0.2, safety * Math.pow(ratio, -1 / 5))
          : 0.2;
        h = Math.abs(hs) * shrink;
        if (!(t + dir * h !== t)) {
          tf.dispose(k1);
          if (y !== y0) tf.dispose(y as tf.Tensor[]);
          throw new BijectiveError(
            'DivergedError',
            `dopri5: step size underflow at t = ${t}`,
            'options.rtol',
          );
        }
      }
    }
    tf.dispose(k1);
    return { y: y as tf.Tensor[], stats: { nfe, steps, rejected } };
  };
  return { name: 'dopri5', config, solve };
};
