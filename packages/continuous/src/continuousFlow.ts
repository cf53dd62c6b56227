import {
  type Batch,
  type FlowDef,
  type FlowParams,
  type JsonObject,
  type NoParams,
  type Params,
  flow,
  standardNormal,
} from '@bijective/core';
import type { VectorField } from './dynamics/vectorField.js';
import type { FfjordTransformDef, RegularizedForward, SolveReport } from './ffjord.js';
import type { SolverConfig } from './solvers/fromConfig.js';

/** Parameters of a {@link ContinuousFlowDef}: the dynamics network's, and none for the standard normal base. */
export type ContinuousFlowParams<P extends Params = Params> = FlowParams<P, NoParams>;

/**
 * A flow definition whose bijection is one ODE map (an {@link ffjordTransform})
 * over a standard normal base, exposing its vector field and time horizon so
 * that simulation-free training ({@link fitFlowMatching}) can regress the
 * field directly, while likelihood training (`fit`) and evaluation (`logProb`,
 * `sample`, `sampleAndLogProb`) go through the ODE solve like any flow.
 */
export type ContinuousFlowDef<P extends Params = Params> = FlowDef<ContinuousFlowParams<P>> & {
  /** Integration time: data at `t = 0`, base at `t = T`. */
  readonly T: number;
  /** The vector field `f(t, z; c)` for given flow parameters (raw tensor function, call inside `tf.tidy`). */
  readonly vectorField: (params: ContinuousFlowParams<P>) => VectorField;
  /**
   * The forward solve with the RNODE regularisers `∫‖f‖² dt` and `∫‖∂f/∂z‖²_F dt`
   * integrated alongside (see {@link RegularizedForward}); `log p(x) = log N(y; 0, I) + logDet`.
   */
  readonly regularizedForward: (
    params: ContinuousFlowParams<P>,
  ) => (x: Batch, context?: Batch) => RegularizedForward;
  /**
   * The same flow (same name, config and parameters) with `onSolve` also
   * receiving the report of every solve its calls run (the definition keeps
   * no counters): count NFE with a caller-owned {@link solveTally}.
   *
   * @example
   * ```ts
   * const tally = solveTally();
   * logProb(def.observe(tally.onSolve), params, rows);
   * tally.cost().nfe; // function evaluations of that call
   * ```
   */
  readonly observe: (onSolve: (report: SolveReport) => void) => ContinuousFlowDef<P>;
  /**
   * The same flow (same parameters) scored with the exact trace `tr(∂f/∂z)`
   * (`dim` Jacobian-vector products per function evaluation instead of one
   * Hutchinson estimate): what {@link fitFlowMatching} and {@link fitFfjord}
   * validate with and return for scoring and saving. A flow that already uses
   * the exact trace returns an equivalent definition; a hand-built flow without
   * a way to rebuild itself leaves it `undefined`.
   *
   * @example
   * ```ts
   * const def = ffjord({ dim: 40 });            // Hutchinson's trace above dimension 8
   * logProb(def.exact?.() ?? def, params, rows); // exact log-densities
   * ```
   */
  readonly exact?: () => ContinuousFlowDef<P>;
  /**
   * The same flow (same parameters, trace and network) integrated by another
   * solver, its `config.solver` recording it: what {@link fitFfjord} trains
   * with (Dopri5 at 1e-4 by default) while it validates and scores with this
   * definition's own solver. On an observed definition (`observe`) the rebuilt
   * flow reports its solves to the same callback. A hand-built flow without a
   * way to rebuild itself leaves it `undefined`.
   *
   * @example
   * ```ts
   * const def = ffjord({ dim: 2 });                                   // Dopri5 at 1e-5
   * const loose = def.withSolver?.({ kind: 'dopri5', rtol: 1e-4, atol: 1e-4 });
   * loose?.config['solver'];                                          // { kind: 'dopri5', rtol: 0.0001, ... }
   * ```
   */
  readonly withSolver?: (solver: SolverConfig) => ContinuousFlowDef<P>;
};

/** Options of {@link continuousFlow}. */
export interface ContinuousFlowOptions<P extends Params> {
  readonly name: string;
  readonly dim: number;
  readonly contextDim?: number;
  /** JSON options that rebuild the definition (stored by serialization). */
  readonly config?: JsonObject;
  readonly transform: FfjordTransformDef<P>;
  /** Rebuilds this flow with the exact trace (see {@link ContinuousFlowDef.exact}); presets supply it. */
  readonly exact?: () => ContinuousFlowDef<P>;
  /** Rebuilds this flow with another solver (see {@link ContinuousFlowDef.withSolver}); presets supply it. */
  readonly withSolver?: (solver: SolverConfig) => ContinuousFlowDef<P>;
}

/**
 * Wrap an ODE transform into a {@link ContinuousFlowDef} with a standard
 * normal base: `log p(x) = log N(z(T); 0, I) + ∫₀ᵀ tr(∂f/∂z) dt`, `z(0) = x`.
 * `contextDim` defaults to the transform's; `flow()` refuses one that disagrees.
 *
 * @example
 * ```ts
 * const t = ffjordTransform({ dynamics: concatSquashMlp({ dim: 2 }) });
 * const def = continuousFlow({ name: 'myCnf', dim: 2, transform: t });
 * const lp = logProb(def, def.init(0), [[0.1, 0.2]]);
 * ```
 */
export const continuousFlow = <P extends Params>(
  options: ContinuousFlowOptions<P>,
): ContinuousFlowDef<P> => {
  const { name, dim, transform, withSolver } = options;
  const def = flow({
    name,
    dim,
    ...(options.contextDim !== undefined ? { contextDim: options.contextDim } : {}),
    transform,
    base: standardNormal(dim),
    ...(options.config !== undefined ? { config: options.config } : {}),
  });
  return {
    ...def,
    T: transform.T,
    vectorField: (params) => transform.dynamics.apply(params.transform),
    regularizedForward: (params) => transform.regularizedForward(params.transform),
    observe: (onSolve) =>
      continuousFlow({
        ...options,
        transform: transform.observe(onSolve),
        ...(withSolver !== undefined
          ? { withSolver: (s: SolverConfig) => withSolver(s).observe(onSolve) }
          : {}),
      }),
    ...(options.exact !== undefined ? { exact: options.exact } : {}),
    ...(withSolver !== undefined ? { withSolver } : {}),
  };
};
