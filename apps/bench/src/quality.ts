import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import {
  type BijectiveError,
  type FitResult,
  DivergedError,
  type FlowDef,
  type Params,
  countParams,
  disposeParams,
  fit,
  tf,
} from '@bijective/core';
import { type SolveTally, defaultContinuousHidden, solveTally } from '@bijective/continuous';
import type { BenchOptions } from './args.js';
import { type Matrix, type Splits, loadDigitsScale, loadSplits } from './data.js';
import {
  type ContinuousTraining,
  type FlowEntry,
  type FlowSize,
  isContinuousDef,
} from './flows.js';
import type { Picture, QualityRow, SeedRun } from './model.js';
import {
  type Panel,
  type Window,
  digitsGridPng,
  gridPoints,
  heatmapPng,
  histogram2d,
  panelsSvg,
} from './pictures.js';
import { CONTINUOUS_REFERENCE, type DatasetName, REFERENCE } from './reference.js';
import { mean, median, standardError } from './stats.js';
import { errorText } from './format.js';

/** Hooks the quality run reports through. */
export interface QualityHooks {
  readonly status: (text: string, final?: boolean) => void;
}

/**
 * RESULTS.md's protocol sizes for a data set and flow: 5 transforms, hidden
 * [64, 64] (2-D) or [128, 128] (digits) for discrete flows; for continuous
 * ones the continuous presets' own default widths (`defaultContinuousHidden`:
 * [64, 64, 64] or [256, 256, 256]). `--hidden` / `--transforms` override.
 *
 * @example
 * ```ts
 * protocolSize('digits', mafEntry, options); // { dim: 64, hidden: [128, 128], transforms: 5 }
 * ```
 */
export const protocolSize = (
  dataset: DatasetName,
  entry: FlowEntry,
  options: BenchOptions,
): FlowSize => {
  const digits = dataset === 'digits';
  const hidden =
    options.hidden ??
    (entry.continuous ? defaultContinuousHidden(digits ? 64 : 2) : digits ? [128, 128] : [64, 64]);
  return { dim: digits ? 64 : 2, hidden, transforms: options.transforms };
};

/** Early-stopping patience of the protocol: 15 epochs on the 2-D sets, 30 on digits. */
const protocolPatience = (dataset: DatasetName): number => (dataset === 'digits' ? 30 : 15);

const tensorOf = (m: Matrix): tf.Tensor2D => tf.tensor2d(m.values, [m.rows, m.cols], 'float32');

/**
 * Per-example log-likelihoods of a set, in chunks (forward direction), read back to the host.
 *
 * @example
 * ```ts
 * const ll = perExampleLogProb(def, params, splits.test); // Float32Array(5000)
 * mean(Array.from(ll)); // test average log-likelihood
 * ```
 */
export const perExampleLogProb = (
  def: FlowDef<Params>,
  params: Params,
  x: Matrix,
  chunk = 1000,
): Float32Array => {
  const out = new Float32Array(x.rows);
  for (let start = 0; start < x.rows; start += chunk) {
    const rows = Math.min(chunk, x.rows - start);
    const lp = tf.tidy(() => {
      const xb = tf.tensor2d(
        x.values.subarray(start * x.cols, (start + rows) * x.cols),
        [rows, x.cols],
        'float32',
      );
      return def.apply(params).logProb(xb);
    });
    out.set(lp.dataSync(), start);
    lp.dispose();
  }
  return out;
};

const referenceFor = (dataset: DatasetName, entry: FlowEntry): QualityRow['reference'] => {
  const model = entry.reference;
  if (model === undefined) return undefined;
  if (model === 'FFJORD' || model === 'flow matching') {
    const r = CONTINUOUS_REFERENCE.find((c) => c.data === dataset && c.method === model);
    return r === undefined
      ? undefined
      : {
          model,
          testLL: r.testLL,
          note: `${r.budgetSeconds} s, ${r.steps} steps${r.note === '' ? '' : `; ${r.note}`}`,
        };
  }
  const r = REFERENCE.find((x) => x.data === dataset && x.model === model);
  return r === undefined
    ? undefined
    : { model, testLL: r.testLL, testLLMin: r.testLLMin, testLLMax: r.testLLMax, median: r.median };
};

/** A finished training run of {@link trainProtocol}: the kept parameters (owned by the caller) and how it went. */
export interface Trained {
  readonly params: Params;
  readonly steps: number;
  readonly epochs: number | undefined;
  readonly stoppedBy: string;
  readonly method: 'maximum likelihood' | 'flow matching';
  /** Continuous flows trained through the solver: mean NFE per forward solve while training. */
  readonly trainNfe?: number;
}

/**
 * `def` with its ODE solves counted by `tally` (a continuous flow's
 * `observe`: the definitions keep no counters), or `def` itself for a
 * discrete flow, whose tally then stays at zero solves.
 */
const counted = (def: FlowDef<Params>, tally: SolveTally): FlowDef<Params> =>
  isContinuousDef(def) ? def.observe(tally.onSolve) : def;

/** Mean NFE per solve of a tally (`undefined` if no solve ran: a discrete flow). */
const nfePerSolve = (tally: SolveTally): number | undefined => {
  const c = tally.cost();
  return c.solves === 0 ? undefined : c.nfe / c.solves;
};

/** A `BijectiveError` as `kind: message`. */
const kindAndMessage = (e: BijectiveError): string => `${e.kind}: ${e.message}`;

/** A fitter's result with its `Left` as the reason `reasonOf` gives (a diverged run's `lastGoodParams` freed). */
const outcome = <R>(
  r: E.Either<BijectiveError, R>,
  reasonOf: (e: BijectiveError) => string,
): E.Either<string, R> =>
  E.mapLeft((e: BijectiveError) => {
    if (e instanceof DivergedError) disposeParams(e.lastGoodParams);
    return reasonOf(e);
  })(r);

/** What a fitter reports each epoch (the continuous fitters add `nfe`). */
interface EpochProgress {
  readonly epoch: number;
  readonly trainLoss?: number;
  readonly trainNll?: number;
  readonly nfe?: number;
  readonly valLoss?: number;
  readonly bestValLoss?: number;
}

/**
 * Train one flow on a data set's splits under RESULTS.md's protocol: core's
 * `fit` (maximum likelihood, `loss = -mean log p(x)`) with Adam 1e-3, batch
 * 256 reshuffled each epoch, validation scored after every epoch, best-val
 * parameters kept, early stopping after {@link protocolPatience} epochs,
 * capped by `--max-epochs`, `--max-steps` and `--budget-seconds`. The
 * continuous presets are trained by the continuous package's fitters with
 * their default options — `fitFfjord` (RNODE weights, training at Dopri5 1e-4,
 * validation with the preset's Dopri5 1e-5 and the exact trace, patience 15) and `fitFlowMatching` (Lipman et al., 2023: EMA 0.999,
 * exact-trace held-out log-likelihood every 500 steps, patience 10 scores) —
 * given only the data, the validation split, the seed and the caps, so their
 * rows measure the library's defaults. Runs on the active
 * backend; never throws: a diverged run or an error is a `Left` with the reason.
 *
 * @example
 * ```ts
 * const r = await trainProtocol(mafEntry, def, await loadSplits('moons'), options, undefined, hooks, 'maf');
 * if (E.isRight(r)) disposeParams(r.right.params);
 * ```
 */
export const trainProtocol = (
  ...args: Parameters<typeof train>
): Promise<E.Either<string, Trained>> => train(...args).catch((e: unknown) => E.left(errorText(e)));

/** {@link trainProtocol}'s body, which may throw. */
const train = async (
  entry: FlowEntry,
  def: FlowDef<Params>,
  splits: Splits,
  options: BenchOptions,
  continuous: ContinuousTraining | undefined,
  hooks: QualityHooks,
  label: string,
): Promise<E.Either<string, Trained>> => {
  const t0 = performance.now();
  const elapsed = () => (performance.now() - t0) / 1000;
  /** Show `text` (with the elapsed seconds) and stop once the budget is spent. */
  const report = (text: string) => {
    hooks.status(`${label}: ${text}, ${elapsed().toFixed(0)} s`);
    return options.budgetSeconds !== undefined && elapsed() > options.budgetSeconds
      ? ('stop' as const)
      : undefined;
  };
  const x = tensorOf(splits.train);
  const v = tensorOf(splits.val);
  try {
    if (
      entry.id === 'continuous/flowMatching' &&
      continuous !== undefined &&
      isContinuousDef(def)
    ) {
      // fitFlowMatching's defaults are the protocol (EMA 0.999, exact-trace held-out
      // log-likelihood every 500 steps, best kept, patience 10): data, seed and caps only.
      const r = await continuous.fitFlowMatching(def, x, {
        seed: options.seed,
        validation: v,
        ...(options.maxSteps === undefined ? {} : { steps: options.maxSteps }),
        progressEvery: 25,
        onProgress: (p) =>
          report(
            `step ${p.step}, flow-matching loss ${p.loss.toFixed(3)}${p.bestValLoss === undefined ? '' : `, best val ${p.bestValLoss.toFixed(3)}`}`,
          ),
      });
      const maxed = (steps: number) => options.maxSteps !== undefined && steps >= options.maxSteps;
      return pipe(
        outcome(r, (e) => e.message),
        E.map((o): Trained => ({
          params: o.params,
          steps: o.steps,
          epochs: undefined,
          stoppedBy:
            o.stoppedBy === 'patience' ? 'patience' : maxed(o.steps) ? 'maxSteps' : 'budget',
          method: 'flow matching',
        })),
      );
    }
    // RESULTS.md's protocol, shared by core's fit and fitFfjord (which trains through fit).
    // Data, seed and caps: all fitFfjord is given (its defaults are the protocol).
    const caps = {
      validation: v,
      seed: options.seed,
      epochs: options.maxEpochs,
      ...(options.maxSteps === undefined ? {} : { maxSteps: options.maxSteps }),
      onProgress: (p: EpochProgress) =>
        report(
          `epoch ${p.epoch + 1}, train ${(p.trainNll ?? p.trainLoss)?.toFixed(3)}${p.nfe === undefined ? '' : `, NFE ${p.nfe.toFixed(0)}`}, val ${p.valLoss?.toFixed(3) ?? '–'} (best ${p.bestValLoss?.toFixed(3) ?? '–'})`,
        ),
    };
    let r: E.Either<
      BijectiveError,
      Pick<FitResult<Params>, 'params' | 'steps' | 'stoppedBy'> & {
        readonly history: readonly unknown[];
      }
    >;
    let trainNfe: number | undefined;
    if (entry.id === 'continuous/ffjord' && continuous !== undefined && isContinuousDef(def)) {
      // fitFfjord's defaults are the protocol (RNODE weights, training solves at Dopri5 1e-4,
      // validation with the preset's Dopri5 1e-5 and the exact trace, patience 15) on the
      // preset's defaults: data, seed and caps only.
      const tally = solveTally();
      r = await continuous.fitFfjord(def.observe(tally.onSolve), x, caps);
      trainNfe = nfePerSolve(tally);
    } else
      // Core fit (discrete flows) with RESULTS.md's protocol on top.
      r = await fit(def, x, {
        ...caps,
        batchSize: 256,
        learningRate: 1e-3,
        patience: protocolPatience(splits.name),
      });
    return pipe(
      outcome(r, kindAndMessage),
      E.map((o): Trained => ({
        params: o.params,
        steps: o.steps,
        epochs: o.history.length,
        stoppedBy: o.stoppedBy === 'callback' ? 'budget' : o.stoppedBy,
        method: 'maximum likelihood',
        ...(trainNfe === undefined ? {} : { trainNfe }),
      })),
    );
  } finally {
    tf.dispose([x, v]);
  }
};

/**
 * The window the 2-D pictures show: the test set's extent with a margin, as a square.
 *
 * @example
 * ```ts
 * windowOf(splits.test); // { lo: -3.1, hi: 3.2 }
 * ```
 */
export const windowOf = (m: Matrix): Window => {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of m.values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const pad = 0.05 * (hi - lo);
  return { lo: lo - pad, hi: hi + pad };
};

const GRID = 96;
/** Model samples drawn for a 2-D picture. */
export const SAMPLES_2D = 5000;

/**
 * A heat-map panel of the density `exp log p(x)` of a 2-D flow on a 96×96
 * grid over the window (forward direction, in chunks).
 *
 * @example
 * ```ts
 * const panel = densityPanel(def, params, windowOf(splits.test), 'model density');
 * ```
 */
export const densityPanel = (
  def: FlowDef<Params>,
  params: Params,
  w: Window,
  caption: string,
): Panel => {
  const pts = gridPoints(w, GRID);
  const lp = perExampleLogProb(def, params, { rows: GRID * GRID, cols: 2, values: pts }, 2304);
  const density = lp.map((v) => (Number.isFinite(v) ? Math.exp(v) : 0));
  return { caption, png: heatmapPng(density, GRID) };
};

/**
 * A heat-map panel of a 96×96 histogram of 2-D points `[n, 2]` (flattened) over the window.
 *
 * @example
 * ```ts
 * const panel = pointsPanel(splits.test.values, windowOf(splits.test), 'test data');
 * ```
 */
export const pointsPanel = (points: Float32Array, w: Window, caption: string): Panel => ({
  caption,
  png: heatmapPng(histogram2d(points, w, GRID), GRID),
});

/**
 * `n` draws of a flow (inverse direction, base → data), read back to the host as `[n, dim]` row-major.
 *
 * @example
 * ```ts
 * const xs = drawSamples(def, params, 5000, 0); // Float32Array(10000) for dim 2
 * ```
 */
export const drawSamples = (
  def: FlowDef<Params>,
  params: Params,
  n: number,
  seed: number,
): Float32Array => {
  const s = tf.tidy(() => def.apply(params).sample(n, seed));
  const values = Float32Array.from(s.dataSync());
  s.dispose();
  return values;
};

const picture2d = (def: FlowDef<Params>, params: Params, splits: Splits, seed: number): Panel[] => {
  const w = windowOf(splits.test);
  return [
    pointsPanel(splits.test.values, w, 'test data'),
    densityPanel(def, params, w, 'model density'),
    pointsPanel(drawSamples(def, params, SAMPLES_2D, seed), w, `${SAMPLES_2D} model samples`),
  ];
};

const pictureDigits = async (
  def: FlowDef<Params>,
  params: Params,
  splits: Splits,
  seed: number,
): Promise<Panel[]> => {
  const { mean: mu, std } = await loadDigitsScale();
  const z = drawSamples(def, params, 64, seed);
  const toPixels = (values: Float32Array, n: number) => {
    const out = new Float32Array(n * 64);
    for (let i = 0; i < n * 64; i++) out[i] = (values[i] ?? 0) * std[i % 64]! + mu[i % 64]!;
    return out;
  };
  return [
    { caption: '64 test images', png: digitsGridPng(toPixels(splits.test.values, 64), 64, 8) },
    { caption: '64 model samples', png: digitsGridPng(toPixels(z, 64), 64, 8) },
  ];
};

/** The seeds a quality run trains each (flow, data set) on: `--seeds`, or the one `--seed`. */
const qualitySeeds = (options: BenchOptions): readonly number[] => options.seeds ?? [options.seed];

/** The figures {@link aggregateSeeds} pools into a {@link QualityRow}. */
export type SeedFigures = Omit<
  QualityRow,
  'dataset' | 'flow' | 'backend' | 'status' | 'reason' | 'params' | 'method' | 'reference'
>;

/**
 * Pool the runs of one (flow, data set) over seeds as RESULTS.md does: the
 * mean test log-likelihood over seeds with its [min, max], the mean of the
 * per-seed medians and the total wall time, each run kept in `runs`. A single
 * run is reported as it is, `testLL ± testLLStdErr` (standard error over test
 * examples).
 *
 * @example
 * ```ts
 * aggregateSeeds([run0, run1, run2]); // { testLL: -3.61, testLLMin: -3.65, testLLMax: -3.58, … }
 * ```
 */
export const aggregateSeeds = (runs: readonly [SeedRun, ...SeedRun[]]): SeedFigures => {
  if (runs.length === 1) {
    const { seed: _seed, ...one } = runs[0];
    return one;
  }
  const ll = runs.map((r) => r.testLL);
  const meanOf = (xs: readonly (number | undefined)[]): number | undefined => {
    const defined = xs.filter((v): v is number => v !== undefined);
    return defined.length === xs.length ? mean(defined) : undefined;
  };
  const trainNfe = meanOf(runs.map((r) => r.trainNfe));
  const testNfe = meanOf(runs.map((r) => r.testNfe));
  return {
    ...(trainNfe === undefined ? {} : { trainNfe }),
    ...(testNfe === undefined ? {} : { testNfe }),
    testLL: mean(ll),
    testLLMin: Math.min(...ll),
    testLLMax: Math.max(...ll),
    testMedian: mean(runs.map((r) => r.testMedian)),
    wallSeconds: runs.reduce((a, r) => a + r.wallSeconds, 0),
    runs,
  };
};

type SeedOutcome = E.Either<
  { readonly reason: string; readonly wallSeconds?: number; readonly steps?: number },
  {
    readonly run: SeedRun;
    readonly params: number;
    readonly method: Trained['method'];
    readonly picture?: Picture;
  }
>;

/** Train, score the test split, and (if asked) draw the pictures of one seed; disposes the parameters. */
const runSeed = async (
  entry: FlowEntry,
  defs: { readonly train: FlowDef<Params>; readonly evaluate: FlowDef<Params> },
  splits: Splits,
  options: BenchOptions,
  continuous: ContinuousTraining | undefined,
  hooks: QualityHooks,
  label: string,
  picture: { readonly title: string; readonly file: string } | undefined,
): Promise<SeedOutcome> => {
  const t0 = performance.now();
  const trained = await trainProtocol(entry, defs.train, splits, options, continuous, hooks, label);
  const wallSeconds = (performance.now() - t0) / 1000;
  if (E.isLeft(trained)) return E.left({ reason: trained.left, wallSeconds });
  const t = trained.right;
  try {
    hooks.status(`${label}: scoring the test split`);
    const tally = solveTally();
    const ll = Array.from(perExampleLogProb(counted(defs.evaluate, tally), t.params, splits.test));
    const testNfe = nfePerSolve(tally);
    const run: SeedRun = {
      seed: options.seed,
      testLL: mean(ll),
      testLLStdErr: standardError(ll),
      testMedian: median(ll),
      wallSeconds,
      steps: t.steps,
      ...(t.epochs === undefined ? {} : { epochs: t.epochs }),
      stoppedBy: t.stoppedBy,
      ...(t.trainNfe === undefined ? {} : { trainNfe: t.trainNfe }),
      ...(testNfe === undefined ? {} : { testNfe }),
    };
    hooks.status(
      `${label}: test LL ${run.testLL.toFixed(3)} ± ${run.testLLStdErr.toFixed(3)} in ${wallSeconds.toFixed(1)} s, ${t.steps} steps`,
      true,
    );
    let drawn: Picture | undefined;
    if (picture !== undefined) {
      try {
        hooks.status(`${label}: drawing pictures`);
        const title = `${picture.title}: test LL ${run.testLL.toFixed(3)}`;
        const panels =
          splits.name === 'digits'
            ? await pictureDigits(defs.evaluate, t.params, splits, options.seed)
            : picture2d(defs.evaluate, t.params, splits, options.seed);
        drawn = { title, file: picture.file, svg: panelsSvg(title, panels, 220) };
      } catch (e) {
        hooks.status(`${label}: pictures failed: ${errorText(e)}`, true);
      }
    }
    return E.right({
      run,
      params: countParams(t.params),
      method: t.method,
      ...(drawn === undefined ? {} : { picture: drawn }),
    });
  } catch (e) {
    return E.left({ reason: `evaluation: ${errorText(e)}`, wallSeconds, steps: t.steps });
  } finally {
    disposeParams(t.params);
  }
};

/**
 * The quality mode: train every selected flow on every selected data set
 * with core's `fit` under RESULTS.md's protocol (Adam 1e-3, batch 256,
 * reshuffled each epoch, early stopping on the validation split with
 * patience 15 / 30, best-val parameters kept), capped by `--max-epochs`,
 * `--max-steps` and `--budget-seconds`; the flow-matching preset is trained
 * by the continuous package's `fitFlowMatching` instead. Trains once per seed
 * of {@link qualitySeeds} and pools the seeds with {@link aggregateSeeds}: one
 * seed gives the test average log-likelihood with its standard error `s/√n`,
 * several the mean [min, max] over seeds; with the median, wall time and Adam
 * steps, next to zuko's reference. Draws the pictures of the first seed.
 *
 * @example
 * ```ts
 * const { rows, pictures } = await runQuality(entries, options, 'cpu', undefined, { status: console.error });
 * ```
 */
export const runQuality = async (
  entries: readonly FlowEntry[],
  options: BenchOptions,
  backend: string,
  continuous: ContinuousTraining | undefined,
  hooks: QualityHooks,
): Promise<{ rows: QualityRow[]; pictures: Picture[] }> => {
  const rows: QualityRow[] = [];
  const pictures: Picture[] = [];
  const seeds = qualitySeeds(options);
  const several = seeds.length > 1;
  for (const dataset of options.datasets) {
    let splits: Splits;
    try {
      splits = await loadSplits(dataset);
    } catch (e) {
      const reason = `data: ${errorText(e)}`;
      rows.push(
        ...entries.map((e) => ({
          dataset,
          flow: e.id,
          backend,
          status: 'failed' as const,
          reason,
        })),
      );
      continue;
    }
    for (const entry of entries) {
      const name = `[quality] ${dataset} · ${entry.id}`;
      const reference = referenceFor(dataset, entry);
      const base = {
        dataset,
        flow: entry.id,
        backend,
        ...(reference === undefined ? {} : { reference }),
      };
      const size = protocolSize(dataset, entry, options);
      let defs: { train: FlowDef<Params>; evaluate: FlowDef<Params> };
      try {
        const train = entry.build(size);
        // Continuous flows train with a stochastic trace; test log-likelihoods use the exact one (same parameters).
        defs = {
          train,
          evaluate: entry.continuous ? entry.build(size, { trace: 'exact' }) : train,
        };
      } catch (e) {
        rows.push({ ...base, status: 'failed', reason: `build: ${errorText(e)}` });
        hooks.status(`${name}: build failed: ${errorText(e)}`, true);
        continue;
      }
      const runs: SeedRun[] = [];
      let ok: { params: number; method: Trained['method'] } | undefined;
      for (const [i, seed] of seeds.entries()) {
        const label = several ? `${name} · seed ${seed}` : name;
        // Pictures of the first seed only: one file per (data set, flow).
        const picture =
          i === 0
            ? {
                title: `${dataset} · ${entry.id} (${backend}${several ? `, seed ${seed}` : ''})`,
                file: `pictures/${dataset}-${entry.id.replace('/', '-')}.svg`,
              }
            : undefined;
        const seeded = { ...options, seed };
        const outcome = await runSeed(
          entry,
          defs,
          splits,
          seeded,
          continuous,
          hooks,
          label,
          picture,
        );
        if (E.isLeft(outcome)) {
          const f = outcome.left;
          rows.push({
            ...base,
            status: 'failed',
            reason: several ? `seed ${seed}: ${f.reason}` : f.reason,
            ...(f.wallSeconds === undefined ? {} : { wallSeconds: f.wallSeconds }),
            ...(f.steps === undefined ? {} : { steps: f.steps }),
          });
          hooks.status(`${label}: failed: ${f.reason}`, true);
          break;
        }
        runs.push(outcome.right.run);
        ok = { params: outcome.right.params, method: outcome.right.method };
        if (outcome.right.picture !== undefined) pictures.push(outcome.right.picture);
      }
      const [first, ...rest] = runs;
      if (ok === undefined || first === undefined || runs.length < seeds.length) continue; // a seed failed: its row says why
      const row: QualityRow = { ...base, status: 'ok', ...ok, ...aggregateSeeds([first, ...rest]) };
      rows.push(row);
      if (several)
        hooks.status(
          `${name}: test LL ${row.testLL?.toFixed(3)} [${row.testLLMin?.toFixed(3)}, ${row.testLLMax?.toFixed(3)}] over seeds ${seeds.join(', ')}`,
          true,
        );
    }
  }
  return { rows, pictures };
};
