import { type Batch, type Params, type TransformDef, tf } from '@bijective/core';
import { fieldTrace } from '@bijective/core/nn';
import { requireContext } from '@bijective/core/transforms';
import { flattenParams, splitSeed, unflattenParams } from '@bijective/core/params';
import { odeintAdjoint } from './adjoint.js';
import type { DynamicsDef, Time, VectorField } from './dynamics/vectorField.js';
import { dopri5 } from './solvers/dopri5.js';
import type { OdeFunction, OdeSolution, OdeSolver, SolveStats } from './solvers/types.js';
import { type ProbeKind, type TraceMethod, divergence, drawProbe } from './trace.js';

/** How parameter gradients flow through the ODE solve. */
export type GradientMethod = 'backprop' | 'adjoint';

/** The cost of one solve, reported to {@link FfjordTransformOptions.onSolve}. */
export interface SolveReport extends SolveStats {
  /** `forward` = data → base (t: 0 → T), `inverse` = base → data (t: T → 0). */
  readonly direction: 'forward' | 'inverse';
  /** `solve` for the integration itself, `adjoint` for the backward solve of the adjoint method. */
  readonly pass: 'solve' | 'adjoint';
}

/**
 * The cumulative cost of a series of solves, as a {@link solveTally} adds
 * them up from {@link SolveReport}s (instrumentation for benchmarks: NFE per
 * training step or per evaluation).
 */
export interface SolveCost {
  /** Solves run (forward and inverse, training and evaluation). */
  readonly solves: number;
  /** Function evaluations of those solves. */
  readonly nfe: number;
  /** Accepted and rejected solver steps. */
  readonly steps: number;
  readonly rejected: number;
  /** Function evaluations of the adjoint method's backward solves (0 with backpropagation). */
  readonly adjointNfe: number;
}

/** Options of {@link ffjordTransform}. */
export interface FfjordTransformOptions<P extends Params> {
  /** The dynamics network `f(t, z; c; θ)`. */
  readonly dynamics: DynamicsDef<P>;
  /**
   * Width of the context the dynamics read (0 for none). When given, the
   * transform declares it (`TransformDef.contextDim`, checked by `flow()`)
   * and checks every call's context with core's `requireContext`.
   */
  readonly contextDim?: number;
  /** Integration time `T` (default 1): data at `t = 0`, base at `t = T`. */
  readonly T?: number;
  /** Default `dopri5()` (rtol = atol = 1e-5). */
  readonly solver?: OdeSolver;
  /** `'exact'` (default; `dim` vector-Jacobian products per evaluation) or `'hutchinson'` (one, unbiased, stochastic). */
  readonly trace?: TraceMethod;
  /** Hutchinson probe distribution (default `'rademacher'`). */
  readonly probe?: ProbeKind;
  /** `'backprop'` (default) through the solver's steps, or `'adjoint'` (memory flat in the number of steps). */
  readonly gradient?: GradientMethod;
  /**
   * Seed of the Hutchinson probes. With a seed, a solve's probe is a
   * deterministic function of the seed and the call's inputs
   * ({@link probeSeedFor}: the state, context and direction), so the same
   * call draws the same probe and a seeded training run is reproducible,
   * while different batches get different probes; the definition keeps no
   * counter. Without one, probes come from tfjs's unseeded generator.
   * Ignored for `'exact'`.
   */
  readonly probeSeed?: number;
  /**
   * Receives the cost (NFE, steps, rejections) of every solve: the only
   * place the cost goes (the definition keeps none); add it up with a
   * caller-owned {@link solveTally}, or attach one later with `observe`.
   */
  readonly onSolve?: (report: SolveReport) => void;
}

/**
 * One forward (data → base) solve with the regularisers of RNODE (Finlay et
 * al., "How to Train Your Neural ODE: the World of Jacobian and Kinetic
 * Regularization", 2020) integrated alongside `z` and `Δ`, per row:
 *
 *   `E_K = ∫₀ᵀ ‖f(t, z(t))‖² dt`,  `E_J = ∫₀ᵀ ‖∂f/∂z(t)‖²_F dt`.
 *
 * `E_J` is exact with the exact trace and Hutchinson's unbiased `∫ ‖εᵀ∂f/∂z‖² dt`
 * (same probe as the trace) otherwise.
 */
export interface RegularizedForward {
  /** `z(T)`, `[batch, dim]`. */
  readonly y: Batch;
  /** `log|det ∂z(T)/∂x| = ∫₀ᵀ tr(∂f/∂z) dt`, `[batch]`. */
  readonly logDet: tf.Tensor1D;
  /** Kinetic energy `∫₀ᵀ ‖f‖² dt`, `[batch]`. */
  readonly kineticEnergy: tf.Tensor1D;
  /** Jacobian norm `∫₀ᵀ ‖∂f/∂z‖²_F dt`, `[batch]`. */
  readonly jacobianNorm: tf.Tensor1D;
}

/** A continuous-time transform definition; it also exposes its time horizon and dynamics. */
export type FfjordTransformDef<P extends Params> = TransformDef<P> & {
  readonly T: number;
  readonly dynamics: DynamicsDef<P>;
  /**
   * The forward solve with the RNODE regularisers (see {@link RegularizedForward}):
   * what regularised maximum-likelihood training ({@link fitFfjord}) differentiates.
   * Same solver, trace and gradient method as the bijection; reports to `onSolve` too.
   */
  readonly regularizedForward: (params: P) => (x: Batch, context?: Batch) => RegularizedForward;
  /**
   * The same transform (same parameters, solver, trace and probes) with
   * `onSolve` also receiving every solve's report, after the definition's
   * own `onSolve`. A new definition: this one is unchanged.
   *
   * @example
   * ```ts
   * const tally = solveTally();
   * const counted = t.observe(tally.onSolve); // count the solves of counted's calls
   * ```
   */
  readonly observe: (onSolve: (report: SolveReport) => void) => FfjordTransformDef<P>;
};

/**
 * A caller-owned accumulator of solve costs: pass `onSolve` to
 * {@link ffjordTransform} (or a definition's `observe`) and read the running
 * {@link SolveCost} with `cost()`. The definitions themselves keep no counters.
 *
 * @example
 * ```ts
 * const tally = solveTally();
 * const t = ffjordTransform({ dynamics, solver: rk4({ steps: 5 }), onSolve: tally.onSolve });
 * tf.tidy(() => t.apply(params).forward(x));
 * tally.cost(); // { solves: 1, nfe: 20, steps: 5, rejected: 0, adjointNfe: 0 }
 * ```
 */
export interface SolveTally {
  readonly onSolve: (report: SolveReport) => void;
  readonly cost: () => SolveCost;
}

/** A new {@link SolveTally} starting at zero. */
export const solveTally = (): SolveTally => {
  let cost: SolveCost = { solves: 0, nfe: 0, steps: 0, rejected: 0, adjointNfe: 0 };
  return {
    onSolve: (report) => {
      cost =
        report.pass === 'adjoint'
          ? { ...cost, adjointNfe: cost.adjointNfe + report.nfe }
          : {
              solves: cost.solves + 1,
              nfe: cost.nfe + report.nfe,
              steps: cost.steps + report.steps,
              rejected: cost.rejected + report.rejected,
              adjointNfe: cost.adjointNfe,
            };
    },
    cost: () => cost,
  };
};

/**
 * The Hutchinson probe seed of one solve: `seed` mixed with an FNV-1a hash
 * of the float32 values of the solve's inputs (`x`, then the context, if
 * any) and the direction. A pure function of its arguments: the same call
 * draws the same probe, different batches different ones.
 *
 * @example
 * ```ts
 * probeSeedFor(3, tf.tensor2d([[0, 1]]), undefined, 'forward'); // the same number on every call
 * ```
 */
export const probeSeedFor = (
  seed: number,
  x: tf.Tensor,
  context: tf.Tensor | undefined,
  direction: 'forward' | 'inverse',
): number => {
  let h = direction === 'forward' ? 0x811c9dc5 : 0x050c5d1f;
  for (const t of context === undefined ? [x] : [x, context]) {
    const bytes = new Uint8Array(Float32Array.from(t.dataSync()).buffer);
    for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  }
  return splitSeed(seed, h >>> 1);
};

/**
 * The FFJORD transform (Grathwohl et al., "FFJORD: Free-form Continuous
 * Dynamics for Scalable Reversible Generative Models", 2019), a continuous
 * normalizing flow (Chen et al. 2018) as a core `Bijection`.
 *
 * **Direction:** data live at `t = 0`, the base at `t = T`. `forward` (data →
 * base, the normalizing direction) integrates `dz/dt = f(t, z; c)` from 0 to
 * `T`; `inverse` (base → data, sampling) integrates from `T` back to 0. Both
 * cost one ODE solve, so neither direction is cheaper.
 *
 * The solved state is `[z, Δ]` with the instantaneous change of variables
 *
 *   `dΔ/dt = -tr(∂f/∂z)`,  `Δ(t_start) = 0`,
 *
 * (`Δ` is the change of `log p` along the trajectory), and the log-det is
 * `logDet = -Δ(t_end)`: forward `∫₀ᵀ tr(∂f/∂z) dt = log|det ∂z(T)/∂z(0)|`,
 * inverse its negative. The trace is exact (`dim` vector-Jacobian products
 * per evaluation; what density evaluation and the checker need) or
 * Hutchinson's estimate `εᵀ(∂f/∂z)ε` with one probe `ε` fixed for the whole
 * solve (cheap and unbiased; FFJORD's training choice). Gradients flow by
 * backpropagation through the solver (memory ∝ steps) or by the adjoint
 * method (memory flat, one extra backward solve). `regularizedForward` also
 * integrates RNODE's kinetic energy and Jacobian norm (Finlay et al. 2020)
 * in the same solve, as one more `[batch, 2]` component of the state (which
 * then also enters Dopri5's error norm).
 *
 * Shapes: `[batch, dim]` in and out, `logDet: [batch]`; context `[batch, contextDim]`.
 *
 * @example
 * ```ts
 * const t = ffjordTransform({ dynamics: concatSquashMlp({ dim: 2, hidden: [32, 32] }), solver: rk4({ steps: 10 }) });
 * const b = t.apply(t.init(0));
 * const { y, logDet } = tf.tidy(() => b.forward(tf.randomNormal([16, 2]))); // data → base
 * ```
 */
export const ffjordTransform = <P extends Params>(
  options: FfjordTransformOptions<P>,
): FfjordTransformDef<P> => {
  const T = options.T ?? 1;
  if (!(T > 0 && Number.isFinite(T)))
    throw new RangeError(`ffjordTransform: T must be positive, got ${T}`);
  const solver = options.solver ?? dopri5();
  const method = options.trace ?? 'exact';
  const probeKind = options.probe ?? 'rademacher';
  const gradient = options.gradient ?? 'backprop';
  const { dynamics, onSolve } = options;
  const { contextDim } = options;
  if (contextDim !== undefined && !(Number.isInteger(contextDim) && contextDim >= 0))
    throw new RangeError(
      `ffjordTransform: contextDim must be a non-negative integer, got ${contextDim}`,
    );
  const record = (report: SolveReport): void => onSolve?.(report);

  const integrate = (
    params: P,
    x: Batch,
    context: Batch | undefined,
    direction: 'forward' | 'inverse',
    regularize: boolean,
  ): tf.Tensor[] => {
    if (contextDim !== undefined) requireContext(context, contextDim, x.shape[0]);
    const leaves = flattenParams(params).map((l) => l.tensor);
    const [batch, dim] = x.shape;
    const seed =
      method === 'hutchinson' && options.probeSeed !== undefined
        ? probeSeedFor(options.probeSeed, x, context, direction)
        : undefined;
    const probe = method === 'hutchinson' ? drawProbe(probeKind, [batch, dim], seed) : undefined;
    // State [z, Δ] (+ [E_K, E_J] as one [batch, 2] component when regularising).
    // The exact trace by forward mode (core's fieldTrace) when the dynamics give their layer form.
    type Form = ReturnType<NonNullable<DynamicsDef<P>['layerForm']>>;
    const rhs =
      (
        fld: VectorField,
        form: Form | undefined,
        ctx: Batch | undefined,
        eps: tf.Tensor2D | undefined,
      ): OdeFunction =>
      (t, [z]) => {
        const zb = z as Batch;
        const r =
          method === 'exact' && form !== undefined
            ? (() => {
                const { activation, ...layers } = form(t, zb.shape[0], ctx);
                return fieldTrace(zb, layers, activation, regularize);
              })()
            : divergence((zz, cc) => fld(t, zz, cc), zb, method, eps, ctx, regularize);
        const out: tf.Tensor[] = [r.value, tf.neg(r.divergence)];
        if (regularize) out.push(tf.stack([tf.sum(tf.square(r.value), 1), r.frobenius!], 1));
        return out;
      };
    const [t0, t1] = direction === 'forward' ? [0, T] : [T, 0];
    const y0 = [x, tf.zeros([batch]), ...(regularize ? [tf.zeros([batch, 2])] : [])];
    const report = (pass: 'solve' | 'adjoint') => (stats: SolveStats) =>
      record({ ...stats, direction, pass });
    let sol: OdeSolution;
    if (gradient === 'adjoint') {
      // Everything the dynamics read goes through the adjoint's inputs, so its
      // backward solve can rebuild them from saved copies.
      const inputs = [
        ...leaves,
        ...(context !== undefined ? [context] : []),
        ...(probe !== undefined ? [probe] : []),
      ];
      const makeF = (ts: readonly tf.Tensor[]): OdeFunction => {
        const p = unflattenParams(params, ts.slice(0, leaves.length));
        let k = leaves.length;
        const ctx = context !== undefined ? (ts[k++] as Batch) : undefined;
        const eps = probe !== undefined ? (ts[k] as tf.Tensor2D) : undefined;
        // The layer form is built inside each evaluation here: the adjoint's backward solve
        // differentiates one evaluation at a time, so nothing may be precomputed outside it.
        const form =
          dynamics.layerForm === undefined
            ? undefined
            : (t: Time, batch: number, c?: tf.Tensor2D) => dynamics.layerForm!(p)(t, batch, c);
        return rhs(dynamics.apply(p), form, ctx, eps);
      };
      sol = odeintAdjoint(makeF, y0, t0, t1, solver, inputs, report('adjoint'));
    } else {
      sol = solver.solve(
        rhs(dynamics.apply(params), dynamics.layerForm?.(params), context, probe),
        y0,
        t0,
        t1,
      );
    }
    report('solve')(sol.stats);
    return sol.y;
  };

  return {
    T,
    dynamics,
    ...(contextDim === undefined ? {} : { contextDim }),
    observe: (extra) =>
      ffjordTransform({
        ...options,
        onSolve: (report) => {
          onSolve?.(report);
          extra(report);
        },
      }),
    init: (seed) => dynamics.init(seed),
    apply: (params) => ({
      forward: (x, context) => {
        const [z, delta] = integrate(params, x, context, 'forward', false);
        return { y: z as Batch, logDet: tf.neg(delta!) as tf.Tensor1D };
      },
      inverse: (y, context) => {
        const [z, delta] = integrate(params, y, context, 'inverse', false);
        return { x: z as Batch, logDet: tf.neg(delta!) as tf.Tensor1D };
      },
    }),
    regularizedForward: (params) => (x, context) => {
      const [z, delta, reg] = integrate(params, x, context, 'forward', true);
      const [kinetic, jacobian] = tf.unstack(reg!, 1) as [tf.Tensor1D, tf.Tensor1D];
      return {
        y: z as Batch,
        logDet: tf.neg(delta!) as tf.Tensor1D,
        kineticEnergy: kinetic,
        jacobianNorm: jacobian,
      };
    },
  };
};
