import * as E from 'fp-ts/lib/Either.js';
import {
  type Batch,
  type BatchLike,
  type BijectiveError,
  type FlowDef,
  type FlowParams,
  type JsonObject,
  type NoParams,
  type Params,
  type TransformDef,
  chain,
  flow,
  tf,
  valueError,
} from '@bijective/core';
import {
  type Presets,
  defaultHidden,
  mlpParamCount,
  preset,
  presetSizeProblem,
} from '@bijective/core/presets';
import { validateBatch, validateContext, withContextDim } from '@bijective/core/transforms';
import { type ActivationName, activation } from '@bijective/core/nn';
import { splitSeed } from '@bijective/core/params';
import {
  type AutoregressiveOptions,
  affineAutoregressive,
  inverseAffineAutoregressive,
} from './affineAutoregressive.js';
import { type BatchNormStatistics, batchNorm } from './batchNorm.js';
import type { MadeInit } from './made.js';
import type { Ordering } from './ordering.js';
import { splineAutoregressive } from './splineAutoregressive.js';
import { decodeIafOptions, decodeMafOptions, decodeMafSplineOptions } from './presetOptions.js';

/** Options of {@link iaf} (and the common part of {@link maf}'s). Every field is JSON, so `config` rebuilds the flow. */
export interface IafOptions {
  readonly dim: number;
  /** Width of the context (default 0: unconditional). */
  readonly contextDim?: number;
  /** Number of autoregressive layers (default 5). */
  readonly transforms?: number;
  /**
   * MADE hidden widths (default: core's `defaultHidden(dim)`, `[64, 64]` below dimension 32 and
   * `[128, 128]` from 32 on, as the benchmark has always used).
   */
  readonly hidden?: readonly number[];
  /** Residual MADE blocks (default false). */
  readonly residual?: boolean;
  /** Hidden activation (default `'relu'`). */
  readonly activation?: ActivationName;
  /**
   * Orderings of successive layers: `'alternate'` (default; ascending,
   * descending, ascending, … as in zuko), `'random'` (a fixed random order
   * per layer drawn from `orderSeed`), or one explicit generation order per
   * layer (`orderings[i][k]` is the input layer `i` generates `k`-th; e.g. zuko's `randperm`).
   */
  readonly orderings?: 'alternate' | 'random' | readonly (readonly number[])[];
  /** Seed of the random orderings (default 0). */
  readonly orderSeed?: number;
  /** Initial scale of each MADE's output layer (default 0.01; the flow starts near the identity). With `init: 'glorot'` only. */
  readonly lastLayerScale?: number;
  /**
   * How each MADE draws its initial parameters ({@link MadeInit}): {@link maf}
   * defaults to `'fanIn'` (zuko's, PyTorch's `nn.Linear` default), the other
   * presets to `'glorot'` (the flow starts near the identity).
   */
  readonly init?: MadeInit;
  /**
   * Where each MADE takes the context (default `'hidden'`, every hidden layer;
   * `'input'`: the first layer only, zuko's `MaskedMLP`), as in `MadeOptions.contextEntry`.
   */
  readonly contextEntry?: 'hidden' | 'input';
}

/**
 * Options of {@link maf}: {@link IafOptions} plus optional batch normalisation
 * between the autoregressive layers (as in the MAF paper; off by default, as in zuko).
 */
export interface MafOptions extends IafOptions {
  /**
   * Insert a {@link batchNorm} after every autoregressive layer but the last
   * (default false). Without `batchNormStatistics` the layers run in training
   * mode (batch statistics; density only, no sampling).
   */
  readonly batchNorm?: boolean;
  /**
   * Stored statistics, one per batch-norm layer (`transforms - 1` of them),
   * which switch those layers to evaluation mode. Compute them after training
   * with {@link withBatchNormStatistics}.
   */
  readonly batchNormStatistics?: readonly BatchNormStatistics[];
}

/**
 * Options of {@link mafSpline}: {@link MafOptions} plus the spline's bins (default 8), bound
 * (default 5) and parametrization (default `'floor'`; `'zuko'` is zuko's NSF, see core's `SplineOptions`).
 */
export interface MafSplineOptions extends MafOptions {
  readonly bins?: number;
  readonly bound?: number;
  readonly parametrization?: 'floor' | 'zuko';
}

type Resolved = Required<
  Omit<MafOptions, 'hidden' | 'batchNormStatistics' | 'contextEntry' | 'orderings'>
> & {
  readonly hidden: readonly number[];
  readonly orderings: 'alternate' | 'random' | readonly (readonly number[])[];
  readonly batchNormStatistics: readonly BatchNormStatistics[] | undefined;
  /** Kept out of `config` when unset, so configs saved before the option existed are unchanged. */
  readonly contextEntry: 'hidden' | 'input' | undefined;
};

/**
 * Bound a stack's size before anything is built (core's `presetLimits`): `transforms` a positive
 * integer of at most `maxSteps`, and an upper estimate of the parameters (one MADE per transform,
 * `outPerDim` outputs per dimension) within `maxParams`. Other options are validated by the layers.
 */
const checkSize = (r: Resolved, outPerDim: number): Resolved => {
  if (!(Number.isInteger(r.transforms) && r.transforms >= 1))
    throw valueError('options.transforms', 'a positive integer', String(r.transforms));
  const hidden = Array.isArray(r.hidden) ? r.hidden : [];
  const perTransform =
    mlpParamCount([r.dim + r.contextDim, ...hidden, r.dim * outPerDim]) + 2 * r.dim;
  const tooBig = presetSizeProblem({
    stepsArgument: 'options.transforms',
    steps: r.transforms,
    hidden,
    params: Number.isFinite(perTransform) ? r.transforms * perTransform : 0,
  });
  if (tooBig !== undefined) throw tooBig;
  return r;
};

const resolve = (o: MafOptions, outPerDim = 2): Resolved => checkSize(resolveOptions(o), outPerDim);

const resolveOptions = (o: MafOptions): Resolved => ({
  dim: o.dim,
  contextDim: o.contextDim ?? 0,
  transforms: o.transforms ?? 5,
  hidden: o.hidden ?? defaultHidden(o.dim),
  residual: o.residual ?? false,
  activation: o.activation ?? 'relu',
  orderings: o.orderings ?? 'alternate',
  orderSeed: o.orderSeed ?? 0,
  lastLayerScale: o.lastLayerScale ?? 0.01,
  init: o.init ?? 'glorot',
  contextEntry: o.contextEntry,
  batchNorm: o.batchNorm ?? false,
  batchNormStatistics: o.batchNormStatistics,
});

const layerOrdering = (r: Resolved, i: number): Ordering => {
  if (typeof r.orderings !== 'string') {
    const order = r.orderings[i];
    if (order === undefined || r.orderings.length !== r.transforms)
      throw valueError(
        'options.orderings',
        `${r.transforms} explicit orders (one per layer)`,
        `${r.orderings.length}`,
      );
    return order;
  }
  return r.orderings === 'random'
    ? { random: splitSeed(r.orderSeed, i) }
    : i % 2 === 0
      ? 'natural'
      : 'reversed';
};

const layerOptions = (r: Resolved, i: number): AutoregressiveOptions => ({
  dim: r.dim,
  contextDim: r.contextDim,
  hidden: r.hidden,
  residual: r.residual,
  activation: activation(r.activation),
  ordering: layerOrdering(r, i),
  lastLayerScale: r.lastLayerScale,
  init: r.init,
  ...(r.contextEntry === undefined ? {} : { contextEntry: r.contextEntry }),
});

const config = (r: Resolved, extra: JsonObject = {}): JsonObject => {
  const { batchNormStatistics, contextEntry, ...rest } = r;
  return {
    ...rest,
    hidden: [...r.hidden],
    orderings: typeof r.orderings === 'string' ? r.orderings : r.orderings.map((o) => [...o]),
    ...(contextEntry === undefined ? {} : { contextEntry }),
    ...(batchNormStatistics === undefined
      ? {}
      : {
          batchNormStatistics: batchNormStatistics.map((s) => ({
            mean: [...s.mean],
            variance: [...s.variance],
          })),
        }),
    ...extra,
  };
};

/** The layers of a stack: autoregressive layers, with batch norms between them if asked for. */
const parts = (r: Resolved, layer: (o: AutoregressiveOptions) => TransformDef): TransformDef[] => {
  const stats = r.batchNormStatistics;
  if (r.batchNorm && stats !== undefined && stats.length !== r.transforms - 1)
    throw valueError(
      'options.batchNormStatistics',
      `${r.transforms - 1} entries (one per batch norm)`,
      `${stats.length}`,
    );
  return Array.from({ length: r.transforms }, (_, i) => {
    const ar = withContextDim(layer(layerOptions(r, i)), r.contextDim);
    if (!r.batchNorm || i === r.transforms - 1) return [ar];
    const s = stats?.[i];
    return [ar, batchNorm({ dim: r.dim, ...(s === undefined ? {} : { statistics: s }) })];
  }).flat();
};

const stack = (
  r: Resolved,
  layer: (o: AutoregressiveOptions) => TransformDef,
): TransformDef<Params[]> => chain(...parts(r, layer));

/** The flow definition type of the autoregressive presets. */
export type AutoregressiveFlowDef = FlowDef<FlowParams<Params[], NoParams>>;

/**
 * Masked Autoregressive Flow (Papamakarios, Pavlakou & Murray, 2017): a
 * standard normal base and `transforms` affine MADE layers
 * ({@link affineAutoregressive}) with orderings alternating ascending /
 * descending, ReLU MADEs with `hidden` units, zuko's soft-clamped scale and
 * zuko's initialisation (`init: 'fanIn'`, see {@link MadeInit}) — the
 * reference protocol's MAF (5 layers, `[64, 64]`; 23,060 parameters for `dim = 2`).
 *
 *   `log p(x) = log N(T(x); 0, I) + Σ_layers Σᵢ log sᵢ`
 *
 * **Fast direction:** density (`logProb`, forward) is one pass per layer;
 * sampling is `dim` sequential passes per layer.
 *
 * @example
 * ```ts
 * const def = maf({ dim: 2 }); // 5 layers, hidden [64, 64]
 * const r = await fit(def, trainRows, { validation: valRows, seed: 0 });
 * ```
 */
export const maf = (options: MafOptions): AutoregressiveFlowDef => {
  const r = resolve({ ...options, init: options.init ?? 'fanIn' });
  return flow({
    name: 'maf',
    dim: r.dim,
    contextDim: r.contextDim,
    config: config(r),
    transform: stack(r, affineAutoregressive),
  });
};

/**
 * Inverse Autoregressive Flow (Kingma et al., 2016): the layers of {@link maf}
 * with directions swapped ({@link inverseAffineAutoregressive}), so each
 * layer's MADE reads the base-side variable:
 *
 *   sampling: `xᵢ = zᵢ · exp(log sᵢ(z_{<i})) + shiftᵢ(z_{<i})`.
 *
 * **Fast direction:** sampling and `sampleAndLogProb` (inverse) are one pass
 * per layer; `logProb` of new data is `dim` sequential passes per layer. Use it
 * for variational inference ({@link fitReverseKL}) and as a {@link distill} student.
 *
 * @example
 * ```ts
 * const def = iaf({ dim: 2, transforms: 5 });
 * const r = await fitReverseKL(def, logBanana, { steps: 2000, seed: 0 });
 * ```
 */
export const iaf = (options: IafOptions): AutoregressiveFlowDef => {
  const r = resolve({ ...options, batchNorm: false, batchNormStatistics: undefined });
  return flow({
    name: 'iaf',
    dim: r.dim,
    contextDim: r.contextDim,
    config: config(r),
    transform: stack(r, inverseAffineAutoregressive),
  });
};

/**
 * Autoregressive neural spline flow (NSF-AR; Durkan et al., "Neural Spline
 * Flows", 2019): {@link maf}'s stack with the affine maps replaced by
 * monotone rational-quadratic splines ({@link splineAutoregressive}), 8 bins on
 * `[-5, 5]` and identity outside by default — the reference protocol's NSF
 * (36,710 parameters for `dim = 2`).
 *
 * **Fast direction:** density is one pass per layer; sampling `dim` passes per layer.
 *
 * @example
 * ```ts
 * const def = mafSpline({ dim: 2, bins: 8, bound: 5 });
 * const lp = logProb(def, def.init(0), [[0.1, -0.3]]);
 * ```
 */
export const mafSpline = (options: MafSplineOptions): AutoregressiveFlowDef => {
  const bins = options.bins ?? 8;
  const bound = options.bound ?? 5;
  const r = resolve(options, typeof bins === 'number' ? 3 * bins - 1 : 0);
  const p = options.parametrization;
  return flow({
    name: 'mafSpline',
    dim: r.dim,
    contextDim: r.contextDim,
    config: config(r, { bins, bound, ...(p === undefined ? {} : { parametrization: p }) }),
    transform: stack(r, splineLayer(bins, bound, p)),
  });
};

const splineLayer =
  (bins: number, bound: number, parametrization?: 'floor' | 'zuko') => (o: AutoregressiveOptions) =>
    splineAutoregressive({
      ...o,
      bins,
      bound,
      ...(parametrization === undefined ? {} : { parametrization }),
    });

/**
 * Switch the batch norms of a trained {@link maf} or {@link mafSpline} with
 * `batchNorm: true` to evaluation mode: runs `data` (typically the whole
 * training set) through the training-mode stack once, records the mean and
 * (population) variance of the input of every batch-norm layer, and returns the
 * definition rebuilt with those `batchNormStatistics` in its options (and so
 * in its `config`, which serialization saves). The parameters are unchanged
 * and fit both definitions. On `data` itself the evaluation-mode log-densities
 * equal the training-mode ones.
 *
 * Returns `Left(ShapeError | ValueError)` for bad data or context, or a
 * definition that is not a batch-normalised `maf`/`mafSpline`.
 *
 * @example
 * ```ts
 * const trainDef = maf({ dim: 2, batchNorm: true });
 * const r = await fit(trainDef, rows, { seed: 0 }); // Right({ params, ... })
 * const evalDef = withBatchNormStatistics(trainDef, params, rows); // Right(def that can sample)
 * ```
 */
export const withBatchNormStatistics = (
  def: AutoregressiveFlowDef,
  params: FlowParams<Params[], NoParams>,
  data: BatchLike,
  context?: BatchLike,
): E.Either<BijectiveError, AutoregressiveFlowDef> => {
  const decoded = decodeMafSplineOptions(def.config);
  if (E.isLeft(decoded)) return decoded;
  const c = decoded.right;
  if (!((def.name === 'maf' || def.name === 'mafSpline') && c.batchNorm === true))
    return E.left(
      valueError('def', "a 'maf' or 'mafSpline' definition with batchNorm: true", `'${def.name}'`),
    );
  const r = resolve({ ...c, batchNormStatistics: undefined });
  const layers = parts(
    r,
    def.name === 'maf'
      ? affineAutoregressive
      : splineLayer(c.bins ?? 8, c.bound ?? 5, c.parametrization),
  );
  const x = validateBatch('data', data, def.dim);
  if (E.isLeft(x)) return x;
  const ctx = validateContext(context, def.contextDim, x.right.shape[0]);
  if (E.isLeft(ctx)) {
    if (x.right !== data) x.right.dispose();
    return E.left(ctx.left);
  }
  const moments = tf.tidy(() => {
    let h: Batch = x.right;
    const out: tf.Tensor[] = [];
    layers.forEach((layer, k) => {
      if (k % 2 === 1) {
        const m = tf.moments(h, 0);
        out.push(m.mean, m.variance);
      }
      h = layer.apply(params.transform[k]!).forward(h, ctx.right).y;
    });
    return out;
  });
  const values = moments.map((t) => Array.from(t.dataSync()));
  tf.dispose(moments);
  if (x.right !== data) x.right.dispose();
  if (ctx.right !== undefined && ctx.right !== context) ctx.right.dispose();
  const batchNormStatistics = Array.from({ length: values.length / 2 }, (_, i) => ({
    mean: values[2 * i]!,
    variance: values[2 * i + 1]!,
  }));
  return E.right((def.name === 'maf' ? maf : mafSpline)({ ...c, batchNormStatistics }));
};

/**
 * The family contract (core's `Presets`): each preset by name, rebuilding its
 * definition from a JSON config (as saved by `saveFlow`) with every field's
 * type and range checked, a `Left(ValueError)` naming the field otherwise.
 * Pass it to `loadFlow` / `restoreFlow` as the builders.
 *
 * @example
 * ```ts
 * const r = await loadFlow('./model', presets)();
 * const def = presets['maf']!({ dim: 2, transforms: 5 }); // Either<BijectiveError, FlowDef>
 * ```
 */
export const presets: Presets = {
  maf: preset(decodeMafOptions, maf),
  iaf: preset(decodeIafOptions, iaf),
  mafSpline: preset(decodeMafSplineOptions, mafSpline),
};
