import {
  type FlowParams,
  type JsonObject,
  type NoParams,
  type Params,
  type TransformDef,
  valueError,
} from '@bijective/core';
import { withContextDim } from '@bijective/core/transforms';
import { type ActivationName, activation, activationNames } from '@bijective/core/nn';
import { splitSeed } from '@bijective/core/params';
import {
  type Presets,
  defaultHidden,
  mlpParamCount,
  preset,
  presetSizeProblem,
  presetTransforms,
} from '@bijective/core/presets';
import { actNorm } from './actNorm.js';
import { additiveCoupling } from './additiveCoupling.js';
import { affineCoupling } from './affineCoupling.js';
import type { CouplingOptions } from './coupling.js';
import { type InitializableFlowDef, initializableFlow } from './dataInit.js';
import { diagonalScaling } from './diagonalScaling.js';
import { luLinear } from './luLinear.js';
import { type CouplingMask, alternatingMask, couplingMask, randomMask } from './mask.js';
import { decodeCouplingFlowOptions, decodeNsfCouplingOptions } from './presetOptions.js';
import { splineCoupling } from './splineCoupling.js';
import { stack } from './stack.js';

/** How a preset chooses each coupling's mask. */
export type MaskKind = 'alternating' | 'random';

/** One explicit mask per step: `masks[step][j]` is true when coordinate `j` is transformed. */
export type ExplicitMasks = readonly (readonly boolean[])[];

/** Options shared by the coupling presets. Everything is JSON, and the resolved options are the flow's `config`. */
export interface CouplingFlowOptions {
  /** Data dimension, ≥ 2. */
  readonly dim: number;
  /** Context width for a conditional flow (default 0). */
  readonly contextDim?: number;
  /** Number of coupling layers (steps), the same name as in the autoregressive presets (preset-specific default). */
  readonly transforms?: number;
  /**
   * @deprecated Use `transforms`. The former name of the number of coupling layers, still
   * accepted (saved configs use it); an error when given with a different `transforms`.
   */
  readonly steps?: number;
  /**
   * Conditioner hidden widths (default: core's `defaultHidden(dim)`, `[64, 64]` below
   * dimension 32 and `[128, 128]` from 32 on).
   */
  readonly hidden?: readonly number[];
  /** Conditioner activation (default `'relu'`). */
  readonly activation?: ActivationName;
  /**
   * `'alternating'` (default): even/odd masks alternating between steps, so
   * every coordinate is transformed every second step; `'random'`: a fixed
   * random half per step; or one explicit mask per step (`mask[step][j]` true when
   * coordinate `j` is transformed, e.g. zuko's `randmask=True`).
   */
  readonly mask?: MaskKind | ExplicitMasks;
  /** Seeds the fixed random structure (random masks, LU permutations); default 0. Parameters are drawn by `init(seed)`. */
  readonly structureSeed?: number;
}

/** Options of {@link nsfCoupling}: the shared ones plus the spline's bins (default 8) and bound (default 5). */
export interface NsfCouplingOptions extends CouplingFlowOptions {
  readonly bins?: number;
  readonly bound?: number;
}

/** A preset's definition: its parameters are `{ transform: [...per layer], base: [] }`. */
export type CouplingFlowDef = InitializableFlowDef<FlowParams<Params[], NoParams>>;

type Resolved = {
  readonly dim: number;
  readonly contextDim: number;
  readonly transforms: number;
  readonly hidden: readonly number[];
  readonly activation: ActivationName;
  readonly mask: MaskKind | ExplicitMasks;
  readonly structureSeed: number;
};

const isInt = (n: unknown, min: number): n is number =>
  typeof n === 'number' && Number.isInteger(n) && n >= min;

/**
 * Options with defaults, validated and bounded (core's `presetLimits`);
 * `outPerDim` is the conditioner's output width per dimension, for the
 * parameter estimate (2 for affine couplings; the spline's `3·bins − 1` for NSF).
 */
const resolve = (o: CouplingFlowOptions, defaultSteps: number, outPerDim = 2): Resolved => {
  const r: Resolved = {
    dim: o.dim,
    contextDim: o.contextDim ?? 0,
    transforms: presetTransforms(o, defaultSteps),
    hidden: [...(o.hidden ?? defaultHidden(o.dim))],
    activation: o.activation ?? 'relu',
    mask: Array.isArray(o.mask) ? o.mask.map((m) => [...m]) : (o.mask ?? 'alternating'),
    structureSeed: o.structureSeed ?? 0,
  };
  if (!isInt(r.dim, 2)) throw valueError('options.dim', 'an integer ≥ 2', String(r.dim));
  if (!isInt(r.contextDim, 0))
    throw valueError('options.contextDim', 'a non-negative integer', String(r.contextDim));
  if (!isInt(r.transforms, 1))
    throw valueError('options.transforms', 'a positive integer', String(r.transforms));
  if (!r.hidden.every((h) => isInt(h, 1)))
    throw valueError('options.hidden', 'positive integer widths', `[${r.hidden.join(', ')}]`);
  if (!activationNames.includes(r.activation))
    throw valueError('options.activation', activationNames.join(' | '), String(r.activation));
  if (Array.isArray(r.mask)) {
    const ok =
      r.mask.length === r.transforms &&
      r.mask.every(
        (m: unknown) =>
          Array.isArray(m) &&
          m.length === r.dim &&
          m.every((t) => typeof t === 'boolean') &&
          m.some((t) => t) &&
          !m.every((t) => t),
      );
    if (!ok)
      throw valueError(
        'options.mask',
        `${r.transforms} masks of ${r.dim} booleans, each with both parts`,
        JSON.stringify(r.mask),
      );
  } else if (r.mask !== 'alternating' && r.mask !== 'random')
    throw valueError(
      'options.mask',
      "'alternating' | 'random' | one boolean[] per step",
      String(r.mask),
    );
  if (!isInt(r.structureSeed, 0))
    throw valueError('options.structureSeed', 'a non-negative integer', String(r.structureSeed));
  // Per step at most: the conditioner, an LU map and an ActNorm (an upper estimate for every preset here).
  const perStep =
    mlpParamCount([r.dim + r.contextDim, ...r.hidden, r.dim * outPerDim]) +
    r.dim * r.dim +
    2 * r.dim;
  const tooBig = presetSizeProblem({
    stepsArgument: 'options.transforms',
    steps: r.transforms,
    hidden: r.hidden,
    params: r.transforms * perStep,
  });
  if (tooBig !== undefined) throw tooBig;
  return r;
};

const maskFor = (r: Resolved, step: number): CouplingMask => {
  if (typeof r.mask !== 'string') {
    const m = couplingMask(r.mask[step]!);
    if (m._tag === 'Left') throw m.left;
    return m.right;
  }
  return r.mask === 'random'
    ? randomMask(r.dim, splitSeed(r.structureSeed, step))
    : alternatingMask(r.dim, step % 2);
};

const couplingOptions = (r: Resolved, step: number): CouplingOptions => {
  const act = activation(r.activation);
  return {
    dim: r.dim,
    contextDim: r.contextDim,
    mask: maskFor(r, step),
    hidden: r.hidden,
    ...(act === undefined ? {} : { activation: act }),
  };
};

const lu = (r: Resolved, step: number) =>
  luLinear({ dim: r.dim, seed: splitSeed(r.structureSeed, 1000 + step) });

const build = (
  name: string,
  r: Resolved,
  config: JsonObject,
  layers: readonly TransformDef<Params>[],
): CouplingFlowDef =>
  initializableFlow({
    name,
    dim: r.dim,
    contextDim: r.contextDim,
    config,
    transform: stack(...layers),
  });

const steps = <T>(r: Resolved, f: (step: number) => readonly T[]): T[] =>
  Array.from({ length: r.transforms }, (_, i) => f(i)).flat();

/**
 * NICE (Dinh, Krueger & Bengio, "NICE: Non-linear Independent Components
 * Estimation", 2014): `transforms` additive couplings with alternating masks,
 * then the diagonal scaling layer; standard normal base.
 *
 *   forward (data → base): `T = S ∘ C_transforms ∘ … ∘ C_1`,  `log|det J| = Σ logScale`
 *
 * Defaults: 4 couplings, hidden `defaultHidden(dim)` (`[64, 64]` below dimension 32), ReLU, alternating masks.
 * Both directions are one pass per layer.
 *
 * @throws `BijectiveError` (ValueError) for invalid options.
 * @example
 * ```ts
 * const def = nice({ dim: 2 });
 * const r = await fit(def, rows, { seed: 0 });
 * ```
 */
export const nice = (options: CouplingFlowOptions): CouplingFlowDef => {
  const r = resolve(options, 4);
  return build('nice', r, r, [
    ...steps(r, (i) => [withContextDim(additiveCoupling(couplingOptions(r, i)), r.contextDim)]),
    diagonalScaling(r.dim),
  ]);
};

/**
 * RealNVP (Dinh, Sohl-Dickstein & Bengio, "Density estimation using Real
 * NVP", 2017): `transforms` affine couplings (soft-clamped log-scale, see
 * `affineCoupling`) with alternating even/odd masks; standard normal base.
 *
 *   forward (data → base): `T = C_transforms ∘ … ∘ C_1`,  `log|det J| = Σ_layers Σ_b s`
 *
 * Defaults match the reference protocol (zuko's RealNVP): 5 couplings,
 * hidden `defaultHidden(dim)` (`[64, 64]` below dimension 32), ReLU, alternating masks — 22,090 parameters in 2-D.
 * Both directions are one pass per layer.
 *
 * @throws `BijectiveError` (ValueError) for invalid options.
 * @example
 * ```ts
 * const def = realNVP({ dim: 2, contextDim: 1 });
 * const params = def.init(0);
 * const lp = logProb(def, params, [[0.5, -1]], [[1]]); // Either<BijectiveError, Tensor1D>
 * ```
 */
export const realNVP = (options: CouplingFlowOptions): CouplingFlowDef => {
  const r = resolve(options, 5);
  return build(
    'realNVP',
    r,
    r,
    steps(r, (i) => [withContextDim(affineCoupling(couplingOptions(r, i)), r.contextDim)]),
  );
};

/**
 * Glow for vectors (Kingma & Dhariwal, "Glow: Generative Flow with
 * Invertible 1x1 Convolutions", 2018): each step is ActNorm, an LU-
 * parametrised invertible linear map (the 1x1 convolution), then an affine
 * coupling; standard normal base.
 *
 *   forward (data → base), per step: `x ↦ C(W · actnorm(x))`
 *
 * Defaults: 5 steps, hidden `defaultHidden(dim)` (`[64, 64]` below dimension 32), ReLU, alternating masks. Use
 * `dataDependentInit` (or `def.initFromData`) once before training for
 * Glow's data-dependent ActNorm initialisation. The inverse of each LU layer
 * inverts two triangular factors first (see `luLinear`).
 *
 * @throws `BijectiveError` (ValueError) for invalid options.
 * @example
 * ```ts
 * const def = glow({ dim: 2 });
 * const p = dataDependentInit(def, def.init(0), rows.slice(0, 1000));
 * if (E.isRight(p)) await fit(def, rows, { params: p.right });
 * ```
 */
export const glow = (options: CouplingFlowOptions): CouplingFlowDef => {
  const r = resolve(options, 5);
  return build(
    'glow',
    r,
    r,
    steps(r, (i) => [
      actNorm(r.dim),
      lu(r, i),
      withContextDim(affineCoupling(couplingOptions(r, i)), r.contextDim),
    ]),
  );
};

/**
 * Neural spline flow, coupling variant (Durkan, Bekasov, Murray &
 * Papamakarios, "Neural Spline Flows", 2019, NSF-C): each step is a
 * rational-quadratic spline coupling (`bins` bins on `[-bound, bound]`,
 * identity tails) followed by an LU-parametrised linear map; standard normal base.
 *
 *   forward (data → base), per step: `x ↦ W · RQS(x)`
 *
 * Defaults: 5 steps, 8 bins on `[-5, 5]` (the reference protocol's spline),
 * hidden `defaultHidden(dim)` (`[64, 64]` below dimension 32), ReLU, alternating masks. Both directions are one pass
 * per coupling.
 *
 * @throws `BijectiveError` (ValueError) for invalid options.
 * @example
 * ```ts
 * const def = nsfCoupling({ dim: 2, bins: 8, bound: 5 });
 * const xs = sample(def, def.init(0), 100, { seed: 1 });
 * ```
 */
export const nsfCoupling = (options: NsfCouplingOptions): CouplingFlowDef => {
  const bins = options.bins ?? 8;
  const bound = options.bound ?? 5;
  if (!isInt(bins, 2)) throw valueError('options.bins', 'an integer ≥ 2', String(bins));
  if (!(typeof bound === 'number' && Number.isFinite(bound) && bound > 0))
    throw valueError('options.bound', 'a positive finite number', String(bound));
  const r = resolve(options, 5, 3 * bins - 1);
  return build(
    'nsfCoupling',
    r,
    { ...r, bins, bound },
    steps(r, (i) => [
      withContextDim(splineCoupling({ ...couplingOptions(r, i), bins, bound }), r.contextDim),
      lu(r, i),
    ]),
  );
};

/**
 * The family contract (core's `Presets`): each preset by name, rebuilding its
 * definition from a JSON config (as saved by `saveFlow`) with every field's
 * type and range checked, a `Left(ValueError)` naming the field otherwise.
 * Pass it to `loadFlow` / `restoreFlow` as the builders.
 *
 * @example
 * ```ts
 * const def = presets['realNVP']!({ dim: 2 }); // Either<BijectiveError, FlowDef>
 * const loaded = await loadFlow('./model', presets)();
 * ```
 */
export const presets: Presets = {
  nice: preset(decodeCouplingFlowOptions, nice),
  realNVP: preset(decodeCouplingFlowOptions, realNVP),
  glow: preset(decodeCouplingFlowOptions, glow),
  nsfCoupling: preset(decodeNsfCouplingOptions, nsfCoupling),
};
