import { tf } from '@bijective/core';
import { describe, expect, it } from 'vitest';
import {
  type OdeFunction,
  type OdeSolver,
  dopri5,
  euler,
  midpoint,
  rk4,
} from '../src/solvers/index.js';

const decay: OdeFunction = (_t, [y]) => [tf.neg(y!)];
// Harmonic oscillator x'' = -x as a tuple state [x, v]: exercises multi-component states.
const oscillator: OdeFunction = (_t, [x, v]) => [tf.clone(v!), tf.neg(x!)];

/** Max absolute error at t1 against the exact solution. */
const errorOf = (solver: OdeSolver, problem: 'decay' | 'oscillator', t1: number): number => {
  const y0 =
    problem === 'decay' ? [tf.tensor1d([1, 2])] : [tf.tensor1d([1, 0]), tf.tensor1d([0, 1])];
  const exact =
    problem === 'decay'
      ? [[Math.exp(-t1), 2 * Math.exp(-t1)]]
      : [
          [Math.cos(t1), Math.sin(t1)],
          [-Math.sin(t1), Math.cos(t1)],
        ];
  const { y } = solver.solve(problem === 'decay' ? decay : oscillator, y0, 0, t1);
  let err = 0;
  y.forEach((c, i) =>
    Array.from(c.dataSync()).forEach((v, j) => (err = Math.max(err, Math.abs(v - exact[i]![j]!)))),
  );
  tf.dispose([...y0, ...y]);
  return err;
};

describe('fixed-step solvers: observed order of convergence matches theory', () => {
  // Observed order p ≈ log2(err(h) / err(h/2)). Step counts are chosen so the
  // errors stay far above float32 rounding (~1e-7) yet in the asymptotic regime;
  // ±0.3 absorbs the higher-order terms at these step sizes.
  const cases = [
    { name: 'euler', make: (n: number) => euler({ steps: n }), order: 1, n: 40 },
    { name: 'midpoint', make: (n: number) => midpoint({ steps: n }), order: 2, n: 16 },
    { name: 'rk4', make: (n: number) => rk4({ steps: n }), order: 4, n: 6 },
  ];
  for (const c of cases) {
    for (const problem of ['decay', 'oscillator'] as const) {
      it(`${c.name} on ${problem}: order ${c.order}`, () => {
        const before = tf.memory().numTensors;
        const e1 = errorOf(c.make(c.n), problem, 2);
        const e2 = errorOf(c.make(2 * c.n), problem, 2);
        const observed = Math.log2(e1 / e2);
        expect(e2).toBeGreaterThan(1e-6);
        expect(Math.abs(observed - c.order)).toBeLessThan(0.3);
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  }

  it('integrates backwards in time (t1 < t0) and reports NFE = steps × stages', () => {
    const y0 = [tf.tensor1d([Math.exp(-2)])];
    const { y, stats } = rk4({ steps: 20 }).solve(decay, y0, 2, 0);
    expect(y[0]!.dataSync()[0]!).toBeCloseTo(1, 5);
    expect(stats).toEqual({ nfe: 80, steps: 20, rejected: 0 });
    tf.dispose([...y0, ...y]);
  });
});

describe('dopri5', () => {
  for (const problem of ['decay', 'oscillator'] as const) {
    it(`meets its tolerance on ${problem}, and tighter tolerances cost more evaluations`, () => {
      let lastNfe = 0;
      for (const tol of [1e-3, 1e-4, 1e-5]) {
        let stats = { nfe: 0, steps: 0, rejected: 0 };
        const solver = dopri5({ rtol: tol, atol: tol });
        const wrapped: OdeSolver = {
          ...solver,
          solve: (f, y0, t0, t1) => {
            const r = solver.solve(f, y0, t0, t1);
            stats = r.stats;
            return r;
          },
        };
        const err = errorOf(wrapped, problem, 2);
        // Tolerances bound the local error per step; the global error over a
        // few steps of this contracting/neutral problem stays within a small multiple.
        expect(err).toBeLessThan(5 * tol);
        // FSAL: 6 new evaluations per attempted step, plus the first one and the step-size heuristic's.
        expect(stats.nfe).toBe(6 * (stats.steps + stats.rejected) + 2);
        expect(stats.nfe).toBeGreaterThanOrEqual(lastNfe);
        lastNfe = stats.nfe;
      }
    });
  }

  it('rejects steps on a sharp transient and still lands on t1 accurately', () => {
    // y' = -50 (y - cos t): a fast transient, then a slow solution.
    const f: OdeFunction = (t, [y]) => [tf.mul(-50, tf.sub(y!, Math.cos(t)))];
    const y0 = [tf.tensor1d([0])];
    const { y, stats } = dopri5({ rtol: 1e-5, atol: 1e-6, firstStep: 0.5 }).solve(f, y0, 0, 1);
    // Exact: y = (2500 cos t + 50 sin t)/2501 - (2500/2501) e^{-50t}.
    const exact = (2500 * Math.cos(1) + 50 * Math.sin(1)) / 2501 - (2500 / 2501) * Math.exp(-50);
    expect(Math.abs(y[0]!.dataSync()[0]! - exact)).toBeLessThan(1e-4);
    expect(stats.rejected).toBeGreaterThan(0);
    tf.dispose([...y0, ...y]);
  });

  it('throws a DivergedError-kind error past maxSteps, without leaking', () => {
    const before = tf.memory().numTensors;
    const y0 = [tf.tensor1d([1])];
    expect(() => dopri5({ maxSteps: 3, rtol: 1e-6, atol: 1e-6 }).solve(decay, y0, 0, 50)).toThrow(
      /maxSteps|no convergence/,
    );
    y0[0]!.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('does not grow memory with the number of steps outside a gradient tape', () => {
    const y0 = [tf.tensor1d([1, 2, 3])];
    const before = tf.memory().numTensors;
    let peak = 0;
    const f: OdeFunction = (t, [y]) => {
      peak = Math.max(peak, tf.memory().numTensors);
      return [tf.neg(y!)];
    };
    const short = rk4({ steps: 5 }).solve(f, y0, 0, 1);
    const peakShort = peak;
    tf.dispose(short.y);
    peak = 0;
    const long = rk4({ steps: 50 }).solve(f, y0, 0, 1);
    expect(peak).toBe(peakShort);
    tf.dispose(long.y);
    expect(tf.memory().numTensors).toBe(before);
    y0[0]!.dispose();
  });
});
