import type { JsonObject } from '@bijective/core';
import {
  type Presets,
  WIDE_FROM_DIM,
  mlpParamCount,
  preset,
  presetSizeProblem,
} from '@bijective/core/presets';
import type { ActivationName } from './activations.js';
import { type ContinuousFlowDef, continuousFlow } from './continuousFlow.js';
import { type ConcatMlpParams, concatMlp } from './dynamics/concatMlp.js';
import { type ConcatSquashParams, concatSquashMlp } from './dynamics/concatSquashMlp.js';
import { type TimeEmbeddingMlpParams, timeEmbeddingMlp } from './dynamics/timeEmbeddingMlp.js';
import type { DynamicsDef } from './dynamics/vectorField.js';
import { type GradientMethod, ffjordTransform } from './ffjord.js';
import { type SolverConfig, solverFromConfig } from './solvers/fromConfig.js';
import { decodeContinuousPresetOptions } from './presetOptions.js';
import type { ProbeKind, TraceMethod } from './trace.js';

/** Parameters of the presets' dynamics networks (concat-squash, concat or time-embedding layers). */
export type MlpDynamicsParams = ConcatSquashParams | ConcatMlpParams | TimeEmbeddingMlpParams;

/** The dynamics network of a preset: see {@link concatSquashMlp}, {@link concatMlp}, {@link timeEmbeddingMlp}. */
export type DynamicsLayer = 'concatSquash' | 'concat' | 'timeEmbedding';

/**
 * The hidden widths of a continuous preset's dynamics network when `hidden`
 * is not given: `[64, 64, 64]` below dimension 32 and `[256, 256, 256]` from
 * 32 on (core's `WIDE_FROM_DIM`) — the sizes of the quality rows in this
 * package's README (moons: 9,026 parameters for `flowMatching`; digits:
 * 166,208), so those figures are the default presets'. The resolved widths
 * are stored in `config`, so a saved flow rebuilds with the widths it was
 * trained with whatever this rule becomes.
 *
 * @example
 * ```ts
 * defaultContinuousHidden(2);  // [64, 64, 64]
 * defaultContinuousHidden(64); // [256, 256, 256]
 * ```
 */
export const defaultContinuousHidden = (dim: number): number[] =>
  dim >= WIDE_FROM_DIM ? [256, 256, 256] : [64, 64, 64];

/**
 * The largest dimension at which {@link ffjord} uses the exact trace by
 * default (`dim` vector-Jacobian products per evaluation are cheap there, and
 * training is then exact and deterministic); above it, Hutchinson's estimator.
 */
export const FFJORD_EXACT_TRACE_UP_TO = 8;

/** Options shared by {@link ffjord} and {@link flowMatching}; every field is JSON, stored in `config`. */
export interface ContinuousPresetOptions {
  readonly dim: number;
  /**
   * Hidden widths of the dynamics network (default: {@link defaultContinuousHidden}`(dim)`,
   * `[64, 64, 64]` below dimension 32 and `[256, 256, 256]` from 32 on).
   */
  readonly hidden?: readonly number[];
  /** Context width of a conditional flow (default 0). */
  readonly contextDim?: number;
  /**
   * `'concatSquash'` (FFJORD's layer), `'concat'` (time concatenated to every
   * layer's input) or `'timeEmbedding'` (Fourier features of time at the input only, zuko's).
   */
  readonly layer?: DynamicsLayer;
  /** Time frequencies of the `'timeEmbedding'` network (default 3). */
  readonly frequencies?: number;
  /** A second-order-safe activation. */
  readonly activation?: ActivationName;
  /** Integration time (default 1). */
  readonly T?: number;
  /** Default `{ kind: 'dopri5', rtol: 1e-5, atol: 1e-5 }`. */
  readonly solver?: SolverConfig;
  /**
   * `'exact'` or `'hutchinson'` (default: `'exact'` for `flowMatching`; for `ffjord`, `'exact'` up
   * to dimension {@link FFJORD_EXACT_TRACE_UP_TO} and `'hutchinson'` above).
   */
  readonly trace?: TraceMethod;
  /** Hutchinson probe (default `'rademacher'`). */
  readonly probe?: ProbeKind;
  /** `'backprop'` (default) or `'adjoint'`. */
  readonly gradient?: GradientMethod;
  /** Seed of the Hutchinson probes (default: unseeded). */
  readonly probeSeed?: number;
}

const build = (
  name: string,
  options: ContinuousPresetOptions,
  defaults: { layer: DynamicsLayer; activation: ActivationName; trace: TraceMethod },
): ContinuousFlowDef<MlpDynamicsParams> => {
  const { dim } = options;
  const contextDim = options.contextDim ?? 0;
  const hidden = options.hidden ?? defaultContinuousHidden(dim);
  const layer = options.layer ?? defaults.layer;
  const act = options.activation ?? defaults.activation;
  const trace = options.trace ?? defaults.trace;
  const probe = options.probe ?? 'rademacher';
  const gradient = options.gradient ?? 'backprop';
  const T = options.T ?? 1;
  const solver = solverFromConfig(options.solver ?? { kind: 'dopri5', rtol: 1e-5, atol: 1e-5 });
  const netOptions = { dim, hidden, contextDim, activation: act };
  const frequencies = options.frequencies ?? 3;
  // Bounded before anything is built (core's presetLimits): an upper estimate of the dynamics
  // network (time features at every layer's input, a gate per layer for concat-squash).
  const widths = Array.isArray(hidden) ? hidden : [];
  const estimate =
    2 * mlpParamCount([dim + contextDim + 2 * frequencies + 1, ...widths.map((w) => w + 1), dim]);
  const tooBig = presetSizeProblem({
    stepsArgument: 'options.hidden',
    steps: 1,
    hidden: widths,
    params: Number.isFinite(estimate) ? estimate : 0,
  });
  if (tooBig !== undefined) throw tooBig;
  const dynamics: DynamicsDef<MlpDynamicsParams> =
    layer === 'concatSquash'
      ? concatSquashMlp(netOptions)
      : layer === 'concat'
        ? concatMlp(netOptions)
        : timeEmbeddingMlp({ ...netOptions, frequencies }, T);
  const config: JsonObject = {
    dim,
    contextDim,
    hidden: [...hidden],
    layer,
    ...(layer === 'timeEmbedding' ? { frequencies } : {}),
    activation: act,
    T,
    solver: solver.config,
    trace,
    probe,
    gradient,
    ...(options.probeSeed !== undefined ? { probeSeed: options.probeSeed } : {}),
  };
  const transform = ffjordTransform({
    dynamics,
    contextDim,
    T,
    solver,
    trace,
    probe,
    gradient,
    ...(options.probeSeed !== undefined ? { probeSeed: options.probeSeed } : {}),
  });
  return continuousFlow({
    name,
    dim,
    contextDim,
    config,
    transform,
    exact: () => build(name, { ...options, hidden, trace: 'exact' }, defaults),
    withSolver: (s) => build(name, { ...options, hidden, solver: s }, defaults),
  });
};

/**
 * FFJORD (Grathwohl et al., "FFJORD: Free-form Continuous Dynamics for
 * Scalable Reversible Generative Models", 2019): one continuous normalizing
 * flow over a standard normal base, trained by maximum likelihood (core's
 * `fit`) through the ODE solve.
 *
 *   `log p(x) = log N(z(T); 0, I) + ∫₀ᵀ tr(∂f/∂z(t)) dt`, `dz/dt = f(t, z; c)`, `z(0) = x`.
 *
 * Defaults: concat-squash dynamics ({@link defaultContinuousHidden} widths)
 * with `tanh` (this package's second-order-safe one), Dopri5 at rtol = atol =
 * 1e-5, `T = 1`, backpropagation through the solver; the exact trace up to
 * dimension {@link FFJORD_EXACT_TRACE_UP_TO}, Hutchinson's with a Rademacher
 * probe above (the paper's). With `trace: 'hutchinson'` log-densities are
 * unbiased *estimates*; `def.exact()` is the same flow with the exact trace
 * (same parameters), which {@link fitFfjord} validates with and returns as
 * `result.def`. Both directions cost one ODE solve. Train it with
 * {@link fitFfjord} (the RNODE-regularised protocol of the README's figure).
 *
 * @example
 * ```ts
 * const def = ffjord({ dim: 40 }); // Hutchinson's trace while training
 * const r = await fitFfjord(def, data, { seed: 0 }); // validates with def.exact()
 * if (E.isRight(r)) console.log(logProb(r.right.def, r.right.params, data)); // exact
 * ```
 */
export const ffjord = (options: ContinuousPresetOptions): ContinuousFlowDef<MlpDynamicsParams> =>
  build('ffjord', options, {
    layer: 'concatSquash',
    activation: 'tanh',
    trace: options.dim <= FFJORD_EXACT_TRACE_UP_TO ? 'exact' : 'hutchinson',
  });

/**
 * A flow-matching CNF (Lipman et al., "Flow Matching for Generative
 * Modeling", 2023; rectified flow, Liu et al. 2023): the same ODE map as
 * {@link ffjord}, meant to be trained without simulation by
 * {@link fitFlowMatching} (regressing the vector field onto conditional
 * straight-line velocities), then evaluated with exact log-densities through
 * the FFJORD machinery.
 *
 * Defaults: zuko's CNF network — an MLP ({@link defaultContinuousHidden}
 * widths: `[64, 64, 64]`, or `[256, 256, 256]` from dimension 32) with ELU that sees time
 * through 3 Fourier frequencies at its input ({@link timeEmbeddingMlp}) —
 * exact trace, Dopri5 at rtol = atol = 1e-5, `T = 1`. (On digits it held out
 * ~3 nats/image better than FFJORD's every-layer time concatenation with swish.)
 *
 * @example
 * ```ts
 * const def = flowMatching({ dim: 2, hidden: [64, 64] });
 * const r = await fitFlowMatching(def, data, { steps: 2000, coupling: 'ot', seed: 0 });
 * if (E.isRight(r)) console.log(logProb(def, r.right.params, data));
 * ```
 */
export const flowMatching = (
  options: ContinuousPresetOptions,
): ContinuousFlowDef<MlpDynamicsParams> =>
  build('flowMatching', options, { layer: 'timeEmbedding', activation: 'elu', trace: 'exact' });

/**
 * The family contract (core's `Presets`): each preset by name, rebuilding its
 * definition from a JSON config with every field's type checked (a
 * `Left(ValueError)` naming the field otherwise) — what core's
 * `loadFlow(dir, presets)` needs (`presets[def.name](def.config)` gives back
 * an equivalent definition).
 *
 * @example
 * ```ts
 * await saveFlow('./model', def, params)();
 * const loaded = await loadFlow('./model', presets)(); // Either<BijectiveError, { def, params, manifest }>
 * ```
 */
export const presets: Presets = {
  ffjord: preset(decodeContinuousPresetOptions, ffjord),
  flowMatching: preset(decodeContinuousPresetOptions, flowMatching),
};
