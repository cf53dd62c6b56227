import * as E from 'fp-ts/lib/Either.js';
import { type FlowDef, type Params, countParams, disposeParams, fit, tf } from '@bijective/core';
import type { BenchOptions } from './args.js';
import { type Matrix, type Splits, loadDigitsScale, loadSplits } from './data.js';
import type { FitFlowMatching, FlowEntry, FlowSize } from './flows.js';
import type { Picture, QualityRow } from './model.js';
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

/** Hooks the quality run reports through. */
export interface QualityHooks {
  readonly status: (text: string, final?: boolean) => void;
}

const message = (e: unknown): string =>
  e instanceof Error ? e.message.split('\n')[0]! : String(e);

/**
 * RESULTS.md's protocol sizes for a data set and flow: 5 transforms, hidden
 * [64, 64] (2-D) or [128, 128] (digits) for discrete flows; [64, 64, 64] or
 * [256, 256, 256] for continuous ones. `--hidden` / `--transforms` override.
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
    (entry.continuous ? (digits ? [256, 256, 256] : [64, 64, 64]) : digits ? [128, 128] : [64, 64]);
  return { dim: digits ? 64 : 2, hidden, transforms: options.transforms };
};

/**
 * Early-stopping patience of the protocol: 15 epochs on the 2-D sets, 30 on digits.
 *
 * @example
 * ```ts
 * protocolPatience('moons');  // 15
 * protocolPatience('digits'); // 30
 * ```
 */
export const protocolPatience = (dataset: DatasetName): number => (dataset === 'digits' ? 30 : 15);

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
}

const isRecord = (x: unknown): x is Readonly<Record<string, unknown>> =>
  typeof x === 'object' && x !== null;

/** Read `fitFlowMatching`'s `Either<BijectiveError, { params, steps }>` without trusting its type. */
const flowMatchingOutcome = (
  r: unknown,
): { ok: true; params: Params; steps: number } | { ok: false; reason: string } => {
  if (!isRecord(r)) return { ok: false, reason: 'fitFlowMatching returned no Either' };
  if (r['_tag'] === 'Left') {
    const e = r['left'];
    if (isRecord(e) && isRecord(e['lastGoodParams'])) disposeParams(e['lastGoodParams'] as Params);
    return { ok: false, reason: e instanceof Error ? e.message : String(e) };
  }
  const right = r['right'];
  if (!isRecord(right) || right['params'] === undefined)
    return { ok: false, reason: 'fitFlowMatching returned no parameters' };
  return {
    ok: true,
    params: right['params'] as Params,
    steps: typeof right['steps'] === 'number' ? right['steps'] : 0,
  };
};

/**
 * Train one flow on a data set's splits under RESULTS.md's protocol: core's
 * `fit` (maximum likelihood, `loss = -mean log p(x)`) with Adam 1e-3, batch
 * 256 reshuffled each epoch, validation scored after every epoch, best-val
 * parameters kept, early stopping after {@link protocolPatience} epochs,
 * capped by `--max-epochs`, `--max-steps` and `--budget-seconds`; the
 * flow-matching preset is trained by `fitFlowMatching` (Lipman et al., 2023)
 * instead. Runs on the active backend; never throws for a diverged run (a `Left`).
 *
 * @example
 * ```ts
 * const r = await trainProtocol(mafEntry, def, await loadSplits('moons'), options, undefined, hooks, 'maf');
 * if (E.isRight(r)) disposeParams(r.right.params);
 * ```
 */
export const trainProtocol = async (
  entry: FlowEntry,
  def: FlowDef<Params>,
  splits: Splits,
  options: BenchOptions,
  fitFM: FitFlowMatching | undefined,
  hooks: QualityHooks,
  label: string,
): Promise<E.Either<string, Trained>> => {
  const t0 = performance.now();
  const budget = options.budgetSeconds;
  const elapsed = () => (performance.now() - t0) / 1000;
  const x = tensorOf(splits.train);
  try {
    if (entry.name === 'flowMatching' && fitFM !== undefined) {
      const r = await fitFM(def, x, {
        seed: options.seed,
        batchSize: 256,
        learningRate: 1e-3,
        steps: options.maxSteps ?? 1_000_000,
        progressEvery: 25,
        onProgress: (p: { step: number; loss: number }) => {
          hooks.status(
            `${label}: step ${p.step}, flow-matching loss ${p.loss.toFixed(3)}, ${elapsed().toFixed(0)} s`,
          );
          return budget !== undefined && elapsed() > budget ? 'stop' : undefined;
        },
      });
      const o = flowMatchingOutcome(r);
      if (!o.ok) return E.left(o.reason);
      const stoppedBy =
        options.maxSteps !== undefined && o.steps >= options.maxSteps ? 'maxSteps' : 'budget';
      return E.right({
        params: o.params,
        steps: o.steps,
        epochs: undefined,
        stoppedBy,
        method: 'flow matching',
      });
    }
    const v = tensorOf(splits.val);
    try {
      const r = await fit(def, x, {
        validation: v,
        seed: options.seed,
        batchSize: 256,
        learningRate: 1e-3,
        patience: protocolPatience(splits.name),
        epochs: options.maxEpochs,
        ...(options.maxSteps === undefined ? {} : { maxSteps: options.maxSteps }),
        onProgress: (p) => {
          hooks.status(
            `${label}: epoch ${p.epoch + 1}, train ${p.trainLoss.toFixed(3)}, val ${p.valLoss?.toFixed(3) ?? '–'} (best ${p.bestValLoss?.toFixed(3) ?? '–'}), ${elapsed().toFixed(0)} s`,
          );
          return budget !== undefined && elapsed() > budget ? 'stop' : undefined;
        },
      });
      if (E.isLeft(r)) {
        const e = r.left;
        if ('lastGoodParams' in e && isRecord(e.lastGoodParams))
          disposeParams(e.lastGoodParams as Params);
        return E.left(`${e.kind}: ${e.message}`);
      }
      const res = r.right;
      return E.right({
        params: res.params,
        steps: res.steps,
        epochs: res.history.length,
        stoppedBy: res.stoppedBy === 'callback' ? 'budget' : res.stoppedBy,
        method: 'maximum likelihood',
      });
    } finally {
      v.dispose();
    }
  } finally {
    x.dispose();
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
  const s = tf.tidy(() => def.apply(params).sample(64, seed));
  const z = s.dataSync() as Float32Array;
  s.dispose();
  const toPixels = (values: Float32Array, n: number) => {
    const out = new Float32Array(n * 64);
    for (let i = 0; i < n * 64; i++) out[i] = (values[i] ?? 0) * std[i % 64]! + mu[i % 64]!;
    return out;
  };
  return [
    { caption: '64 test images', png: digitsGridPng(toPixels(splits.test.values, 64), 64, 8) },
    { caption: '64 model samples', png: digitsGridPng(toPixels(Float32Array.from(z), 64), 64, 8) },
  ];
};

/**
 * The quality mode: train every selected flow on every selected data set
 * with core's `fit` under RESULTS.md's protocol (Adam 1e-3, batch 256,
 * reshuffled each epoch, early stopping on the validation split with
 * patience 15 / 30, best-val parameters kept), capped by `--max-epochs`,
 * `--max-steps` and `--budget-seconds`; the flow-matching preset is trained
 * by the continuous package's `fitFlowMatching` instead. Reports the test
 * average log-likelihood with its standard error `s/√n`, the median, wall
 * time and Adam steps, next to zuko's reference; draws the pictures.
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
  fitFM: FitFlowMatching | undefined,
  hooks: QualityHooks,
): Promise<{ rows: QualityRow[]; pictures: Picture[] }> => {
  const rows: QualityRow[] = [];
  const pictures: Picture[] = [];
  for (const dataset of options.datasets) {
    let splits: Splits;
    try {
      splits = await loadSplits(dataset);
    } catch (e) {
      for (const entry of entries)
        rows.push({
          dataset,
          flow: entry.id,
          backend,
          status: 'failed',
          reason: `data: ${message(e)}`,
        });
      continue;
    }
    for (const entry of entries) {
      const label = `[quality] ${dataset} · ${entry.id}`;
      const reference = referenceFor(dataset, entry);
      const base = {
        dataset,
        flow: entry.id,
        backend,
        ...(reference === undefined ? {} : { reference }),
      };
      const size = protocolSize(dataset, entry, options);
      let def: FlowDef<Params>;
      let evalDef: FlowDef<Params>;
      try {
        def = entry.build(size);
        // Continuous flows train with a stochastic trace; test log-likelihoods use the exact one (same parameters).
        evalDef = entry.continuous ? entry.build(size, { trace: 'exact' }) : def;
      } catch (e) {
        rows.push({ ...base, status: 'failed', reason: `build: ${message(e)}` });
        hooks.status(`${label}: build failed: ${message(e)}`, true);
        continue;
      }
      const t0 = performance.now();
      const trained = await trainProtocol(entry, def, splits, options, fitFM, hooks, label).catch(
        (e: unknown) => E.left(message(e)),
      );
      const wallSeconds = (performance.now() - t0) / 1000;
      if (E.isLeft(trained)) {
        rows.push({ ...base, status: 'failed', reason: trained.left, wallSeconds });
        hooks.status(`${label}: failed: ${trained.left}`, true);
        continue;
      }
      const t = trained.right;
      try {
        hooks.status(`${label}: scoring the test split`);
        const ll = Array.from(perExampleLogProb(evalDef, t.params, splits.test));
        const row: QualityRow = {
          ...base,
          status: 'ok',
          params: countParams(t.params),
          method: t.method,
          testLL: mean(ll),
          testLLStdErr: standardError(ll),
          testMedian: median(ll),
          wallSeconds,
          steps: t.steps,
          ...(t.epochs === undefined ? {} : { epochs: t.epochs }),
          stoppedBy: t.stoppedBy,
        };
        rows.push(row);
        hooks.status(
          `${label}: test LL ${row.testLL?.toFixed(3)} ± ${row.testLLStdErr?.toFixed(3)} in ${wallSeconds.toFixed(1)} s, ${t.steps} steps`,
          true,
        );
        try {
          hooks.status(`${label}: drawing pictures`);
          const title = `${dataset} · ${entry.id} (${backend}): test LL ${row.testLL?.toFixed(3)}`;
          const panels =
            dataset === 'digits'
              ? await pictureDigits(evalDef, t.params, splits, options.seed)
              : picture2d(evalDef, t.params, splits, options.seed);
          pictures.push({
            title,
            file: `pictures/${dataset}-${entry.id.replace('/', '-')}.svg`,
            svg: panelsSvg(title, panels, 220),
          });
        } catch (e) {
          hooks.status(`${label}: pictures failed: ${message(e)}`, true);
        }
      } catch (e) {
        rows.push({
          ...base,
          status: 'failed',
          reason: `evaluation: ${message(e)}`,
          wallSeconds,
          steps: t.steps,
        });
        hooks.status(`${label}: evaluation failed: ${message(e)}`, true);
      } finally {
        disposeParams(t.params);
      }
    }
  }
  return { rows, pictures };
};
