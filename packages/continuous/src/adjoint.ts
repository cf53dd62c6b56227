import { tf } from '@bijective/core';
import { isolatedTape } from './isolatedTape.js';
import { packState, unpackState } from './solvers/state.js';
import type { OdeFunction, OdeSolution, OdeSolver, OdeState, SolveStats } from './solvers/types.js';

/**
 * Solve `dy/dt = f(t, y; θ)` from `t0` to `t1` and differentiate the result by
 * the adjoint sensitivity method (Pontryagin 1962; Chen et al., "Neural
 * Ordinary Differential Equations", 2018) instead of backpropagating through
 * the solver's steps.
 *
 * Forward: one solve, recorded on no tape. Backward: given `a(t1) = ∂L/∂y(t1)`,
 * one solve of the augmented state `[y, a, a_θ]` from `t1` back to `t0`:
 *
 *   `dy/dt = f`,  `da/dt = -aᵀ ∂f/∂y`,  `da_θ/dt = -aᵀ ∂f/∂θ`,  `a_θ(t1) = 0`,
 *
 * which yields `∂L/∂y(t0) = a(t0)` and `∂L/∂θ = a_θ(t0)`; `y` is recomputed
 * backwards rather than stored. Each step's vector-Jacobian products are one
 * reverse pass of `f`, so memory does not grow with the number of steps —
 * the price is a second solve and a gradient that matches backpropagation
 * only up to the solver's error (`y` reconstructed backwards is not bit-identical).
 *
 * `params` are every tensor the dynamics depend on besides the state (a
 * dynamics network's parameter leaves, a context batch, a Hutchinson probe);
 * `makeF(params)` builds the right-hand side from them. It is called with
 * the tensors themselves for the forward solve and with saved copies for the
 * backward one — the originals may be gone by then (tfjs disposes a forward
 * pass's intermediates before running its backward pass). All of them receive
 * gradients. Implemented with `tf.customGrad`, so it composes with `tf.grad`,
 * `tf.grads` and the core's training loop; gradients of gradients through it
 * are not supported. `onBackward`, if given, receives the backward solve's cost.
 *
 * @example
 * ```ts
 * const A = tf.tensor2d([[-1, 0.5], [0, -2]]);
 * const makeF = ([a]: readonly tf.Tensor[]): OdeFunction => (t, [y]) => [tf.matMul(y!, a!)];
 * const g = tf.grad((a) => tf.sum(odeintAdjoint(makeF, [y0], 0, 1, rk4({ steps: 20 }), [a]).y[0]!))(A);
 * ```
 */
export const odeintAdjoint = (
  makeF: (params: readonly tf.Tensor[]) => OdeFunction,
  y0: OdeState,
  t0: number,
  t1: number,
  solver: OdeSolver,
  params: readonly tf.Tensor[],
  onBackward?: (stats: SolveStats) => void,
): OdeSolution => {
  const n = y0.length;
  const shapes = y0.map((t) => t.shape);
  let stats: SolveStats = { nfe: 0, steps: 0, rejected: 0 };
  const op = tf.customGrad((...args) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const ys = args.slice(0, n) as tf.Tensor[];
    const ps = args.slice(n, n + params.length) as tf.Tensor[];
    const packed = isolatedTape(() =>
      tf.tidy(() => {
        const sol = solver.solve(makeF(ps), ys, t0, t1);
        stats = sol.stats;
        return packState(sol.y);
      }),
    );
    save([packed, ...ps]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] =>
      isolatedTape(() =>
        tf.tidy(() => {
          const yEnd = unpackState(saved[0]!, shapes);
          const aEnd = unpackState(dy, shapes);
          const theta = saved.slice(1);
          const f = makeF(theta);
          const aTheta = theta.map((p) => tf.zerosLike(p));
          const augmented: OdeFunction = (t, s) => {
            const y = s.slice(0, n);
            const a = s.slice(n, 2 * n);
            // One reverse pass gives f and aᵀ ∂f/∂[y, θ] together: differentiate pack(f) with dy = pack(a).
            const { value, grads } = tf
              .engine()
              .gradients(() => packState(f(t, y)), [...y, ...theta], packState(a), true);
            const fy = unpackState(value, shapes);
            const vjp = [...y, ...theta].map((x, i) =>
              grads[i] === undefined ? tf.zerosLike(x) : tf.neg(grads[i]!),
            );
            return [...fy, ...vjp];
          };
          const sol = solver.solve(augmented, [...yEnd, ...aEnd, ...aTheta], t1, t0);
          onBackward?.(sol.stats);
          return sol.y.slice(n);
        }),
      );
    return { value: packed, gradFunc };
  });
  const packed = op(...y0, ...params);
  const y = unpackState(packed, shapes);
  return { y, stats };
};
