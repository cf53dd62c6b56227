import type { JsonObject, tf } from '@bijective/core';

/**
 * The state of an ODE as a tuple of tensors of any shapes, e.g. FFJORD's
 * `[z: [batch, dim], Δlog p: [batch]]`. Solvers treat it as one long vector.
 */
export type OdeState = readonly tf.Tensor[];

/**
 * The right-hand side `dy/dt = f(t, y)` of an ODE on a tuple state: it returns
 * one derivative per component, each shaped like that component. `t` is a
 * plain number (no gradient flows to time).
 */
export type OdeFunction = (t: number, y: OdeState) => tf.Tensor[];

/** What one solve cost. */
export interface SolveStats {
  /** Number of evaluations of `f` (the usual cost measure of a CNF, "NFE"). */
  readonly nfe: number;
  /** Accepted steps. */
  readonly steps: number;
  /** Rejected steps (always 0 for fixed-step solvers). */
  readonly rejected: number;
}

/** The state at the end time, and the cost of getting there. */
export interface OdeSolution {
  /** `y(t1)`, new tensors owned by the caller (or by the enclosing `tf.tidy`). */
  readonly y: tf.Tensor[];
  readonly stats: SolveStats;
}

/**
 * An ODE solver: integrates `dy/dt = f(t, y)` from `y(t0) = y0` to `t1`
 * (`t1 < t0` integrates backwards in time). Pure tensor code, differentiable
 * by ordinary backpropagation through its steps; every step runs in its own
 * `tf.tidy` and drops the previous state, so memory outside a gradient tape
 * does not grow with the number of steps. `y0` is never disposed.
 *
 * `config` is a JSON description that {@link solverFromConfig} turns back into the solver.
 */
export interface OdeSolver {
  readonly name: string;
  readonly config: JsonObject;
  readonly solve: (f: OdeFunction, y0: OdeState, t0: number, t1: number) => OdeSolution;
}
