import * as E from 'fp-ts/lib/Either.js';
import {
  type BijectiveError,
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
import { type Panel, digitsGridPng, panels2d, panelsSvg } from './pictures.js';
import { type DatasetName, qualityReference } from './reference.js';
import { mean, median, standardError } from './stats.js';
import { errorText } from './format.js';

export type QualityHooks = { readonly status: (text: string, final?: boolean) => void };

/** RESULTS.md's protocol sizes (continuous: their presets' default widths); flags override. */
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

const tensorOf = (m: Matrix): tf.Tensor2D => tf.tensor2d(m.values, [m.rows, m.cols], 'float32');

/** Per-example `log p(xᵢ)` of a set (forward direction), in chunks of 1,000 rows, on the host. */
export const perExampleLogProb = (
  def: FlowDef<Params>,
  params: Params,
  x: Matrix,
): Float32Array => {
  const out = new Float32Array(x.rows);
  const flow = def.apply(params);
  for (let start = 0; start < x.rows; start += 1000) {
    const rows = Math.min(1000, x.rows - start);
    const chunk = x.values.subarray(start * x.cols, (start + rows) * x.cols);
    const lp = tf.tidy(() => flow.logProb(tf.tensor2d(chunk, [rows, x.cols], 'float32')));
    out.set(lp.dataSync(), start);
    lp.dispose();
  }
  return out;
};

/** `n` draws of a flow (inverse direction), on the host as `[n, dim]` row-major. */
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

export const SAMPLES_2D = 5000;

interface Trained {
  readonly params: Params;
  readonly method: 'maximum likelihood' | 'flow matching';
  readonly run: Pick<SeedRun, 'steps' | 'epochs' | 'stoppedBy' | 'trainNfe'>;
}

const nfePerSolve = (tally: SolveTally, key: 'trainNfe' | 'testNfe') => {
  const { solves, nfe } = tally.cost();
  return solves === 0 ? {} : { [key]: nfe / solves };
};

const reasonOf = (e: BijectiveError, withKind: boolean): string => {
  if (e instanceof DivergedError) disposeParams(e.lastGoodParams);
  return withKind ? `${e.kind}: ${e.message}` : e.message;
};

interface EpochProgress {
  readonly epoch: number;
  readonly trainLoss?: number;
  readonly trainNll?: number;
  readonly nfe?: number;
  readonly valLoss?: number;
  readonly bestValLoss?: number;
}

/**
 * Train one flow under RESULTS.md's protocol (core's `fit`: Adam 1e-3, batch 256, patience 15
 * epochs, 30 on digits); continuous presets by their fitters given only data, validation, seed and
 * caps, so their rows measure the library's defaults. Never throws: a failure is a `Left`.
 */
export const trainProtocol = async (
  entry: FlowEntry,
  def: FlowDef<Params>,
  splits: Splits,
  options: BenchOptions,
  hooks: QualityHooks,
  label: string,
  continuous?: ContinuousTraining,
): Promise<E.Either<string, Trained>> => {
  const t0 = performance.now();
  const report = (text: string) => {
    const elapsed = (performance.now() - t0) / 1000;
    hooks.status(`${label}: ${text}, ${elapsed.toFixed(0)} s`);
    const over = options.budgetSeconds !== undefined && elapsed > options.budgetSeconds;
    return over ? ('stop' as const) : undefined;
  };
  const { seed, maxSteps } = options;
  const capped = maxSteps === undefined ? {} : { maxSteps };
  const data: tf.Tensor[] = [];
  try {
    const [x, v] = [tensorOf(splits.train), tensorOf(splits.val)];
    data.push(x, v);
    if (entry.id === 'continuous/flowMatching' && continuous && isContinuousDef(def)) {
      const r = await continuous.fitFlowMatching(def, x, {
        seed,
        validation: v,
        ...(maxSteps === undefined ? {} : { steps: maxSteps }),
        progressEvery: 25,
        onProgress: (p) =>
          report(
            `step ${p.step}, flow-matching loss ${p.loss.toFixed(3)}${p.bestValLoss === undefined ? '' : `, best val ${p.bestValLoss.toFixed(3)}`}`,
          ),
      });
      if (E.isLeft(r)) return E.left(reasonOf(r.left, false));
      const { params, steps } = r.right;
      const maxed = maxSteps !== undefined && steps >= maxSteps;
      const stoppedBy =
        r.right.stoppedBy === 'patience' ? 'patience' : maxed ? 'maxSteps' : 'budget';
      return E.right({ params, method: 'flow matching', run: { steps, stoppedBy } });
    }
    // Data, seed and caps: all fitFfjord is given (its defaults are the protocol); core's fit adds
    // RESULTS.md's batch, learning rate and patience.
    const caps = {
      validation: v,
      seed,
      epochs: options.maxEpochs,
      ...capped,
      onProgress: (p: EpochProgress) =>
        report(
          `epoch ${p.epoch + 1}, train ${(p.trainNll ?? p.trainLoss)?.toFixed(3)}${p.nfe === undefined ? '' : `, NFE ${p.nfe.toFixed(0)}`}, val ${p.valLoss?.toFixed(3) ?? '–'} (best ${p.bestValLoss?.toFixed(3) ?? '–'})`,
        ),
    };
    const tally = solveTally();
    const patience = splits.name === 'digits' ? 30 : 15;
    const r =
      entry.id === 'continuous/ffjord' && continuous && isContinuousDef(def)
        ? await continuous.fitFfjord(def.observe(tally.onSolve), x, caps)
        : await fit(def, x, { ...caps, batchSize: 256, learningRate: 1e-3, patience });
    if (E.isLeft(r)) return E.left(reasonOf(r.left, true));
    const { params, steps, history } = r.right;
    const stoppedBy = r.right.stoppedBy === 'callback' ? 'budget' : r.right.stoppedBy;
    const run = { steps, epochs: history.length, stoppedBy, ...nfePerSolve(tally, 'trainNfe') };
    return E.right({ params, method: 'maximum likelihood', run });
  } catch (e) {
    return E.left(errorText(e));
  } finally {
    tf.dispose(data);
  }
};

/** Test scores from per-example log-likelihoods: mean, standard error `sd/√n`, median. */
export const testScores = (ll: readonly number[]) => ({
  testLL: mean(ll),
  testLLStdErr: standardError(ll),
  testMedian: median(ll),
});

const picturePanels = async (
  def: FlowDef<Params>,
  params: Params,
  splits: Splits,
  seed: number,
): Promise<Panel[]> => {
  if (splits.name !== 'digits')
    return panels2d(splits.test, [
      { caption: 'test data', points: splits.test.values },
      { caption: 'model density', logProb: (grid) => perExampleLogProb(def, params, grid) },
      {
        caption: `${SAMPLES_2D} model samples`,
        points: drawSamples(def, params, SAMPLES_2D, seed),
      },
    ]);
  const { mean: mu, std } = await loadDigitsScale();
  const pixels = (values: Float32Array) =>
    Float32Array.from({ length: 64 * 64 }, (_, i) => values[i]! * std[i % 64]! + mu[i % 64]!);
  const grid = (caption: string, values: Float32Array) => ({
    caption,
    png: digitsGridPng(pixels(values), 64, 8),
  });
  const samples = drawSamples(def, params, 64, seed);
  return [grid('64 test images', splits.test.values), grid('64 model samples', samples)];
};

/**
 * Pool one (flow, data set) over seeds as RESULTS.md does: mean test LL with [min, max], mean of
 * the medians, total wall time; one run is reported as it is. NFE: means, if every seed has one.
 */
export const aggregateSeeds = (runs: readonly [SeedRun, ...SeedRun[]]): Partial<QualityRow> => {
  if (runs.length === 1) {
    const { seed: _seed, ...one } = runs[0];
    return one;
  }
  const ll = runs.map((r) => r.testLL);
  const nfe = (key: 'trainNfe' | 'testNfe') => {
    const xs = runs.flatMap((r) => (r[key] === undefined ? [] : [r[key]]));
    return xs.length === runs.length ? { [key]: mean(xs) } : {};
  };
  return {
    ...nfe('trainNfe'),
    ...nfe('testNfe'),
    testLL: mean(ll),
    testLLMin: Math.min(...ll),
    testLLMax: Math.max(...ll),
    testMedian: mean(runs.map((r) => r.testMedian)),
    wallSeconds: runs.reduce((a, r) => a + r.wallSeconds, 0),
    runs,
  };
};

type SeedOutcome = E.Either<
  Pick<QualityRow, 'reason' | 'wallSeconds' | 'steps'>,
  { run: SeedRun; params: number; method: Trained['method']; panels?: Panel[] }
>;

/** Train, score and (if asked) draw one seed; disposes the parameters. */
const runSeed = async (
  entry: FlowEntry,
  defs: { readonly train: FlowDef<Params>; readonly evaluate: FlowDef<Params> },
  splits: Splits,
  options: BenchOptions,
  continuous: ContinuousTraining | undefined,
  hooks: QualityHooks,
  label: string,
  picture: boolean,
): Promise<SeedOutcome> => {
  const t0 = performance.now();
  const trained = await trainProtocol(entry, defs.train, splits, options, hooks, label, continuous);
  const wallSeconds = (performance.now() - t0) / 1000;
  if (E.isLeft(trained)) return E.left({ reason: trained.left, wallSeconds });
  const { params, method, run: t } = trained.right;
  try {
    hooks.status(`${label}: scoring the test split`);
    // A continuous flow's ODE solves are counted through `observe` (definitions keep no counters).
    const tally = solveTally();
    const scored = isContinuousDef(defs.evaluate)
      ? defs.evaluate.observe(tally.onSolve)
      : defs.evaluate;
    const ll = Array.from(perExampleLogProb(scored, params, splits.test));
    const scores = testScores(ll);
    const testNfe = nfePerSolve(tally, 'testNfe');
    const run = { seed: options.seed, ...scores, wallSeconds, ...t, ...testNfe };
    hooks.status(
      `${label}: test LL ${scores.testLL.toFixed(3)} ± ${scores.testLLStdErr.toFixed(3)} in ${wallSeconds.toFixed(1)} s, ${t.steps} steps`,
      true,
    );
    let panels: Panel[] | undefined;
    if (picture)
      try {
        hooks.status(`${label}: drawing pictures`);
        panels = await picturePanels(defs.evaluate, params, splits, options.seed);
      } catch (e) {
        hooks.status(`${label}: pictures failed: ${errorText(e)}`, true);
      }
    return E.right({ run, params: countParams(params), method, ...(panels && { panels }) });
  } catch (e) {
    return E.left({ reason: `evaluation: ${errorText(e)}`, wallSeconds, steps: t.steps });
  } finally {
    disposeParams(params);
  }
};

/**
 * The quality mode: every flow on every data set once per seed, pooled, next to zuko's reference.
 * Continuous flows train with a stochastic trace and are scored with the exact one.
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
  const seeds = options.seeds ?? [options.seed];
  const several = seeds.length > 1;
  for (const dataset of options.datasets) {
    const splits = await loadSplits(dataset).catch((e: unknown) => `data: ${errorText(e)}`);
    for (const entry of entries) {
      const name = `[quality] ${dataset} · ${entry.id}`;
      const reference = qualityReference(dataset, entry.reference);
      const base = { dataset, flow: entry.id, backend, ...(reference && { reference }) };
      if (typeof splits === 'string') {
        rows.push({ ...base, status: 'failed', reason: splits });
        continue;
      }
      const size = protocolSize(dataset, entry, options);
      let defs: { train: FlowDef<Params>; evaluate: FlowDef<Params> };
      try {
        const train = entry.build(size);
        const evaluate = entry.continuous ? entry.build(size, { trace: 'exact' }) : train;
        defs = { train, evaluate };
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
        const seeded = { ...options, seed };
        const out = await runSeed(entry, defs, splits, seeded, continuous, hooks, label, i === 0);
        if (E.isLeft(out)) {
          const reason = several ? `seed ${seed}: ${out.left.reason}` : out.left.reason;
          rows.push({ ...base, status: 'failed', ...out.left, reason });
          hooks.status(`${label}: failed: ${out.left.reason}`, true);
          break;
        }
        const { run, params, method, panels } = out.right;
        runs.push(run);
        ok = { params, method };
        if (panels === undefined) continue;
        const title = `${dataset} · ${entry.id} (${backend}${several ? `, seed ${seed}` : ''}): test LL ${run.testLL.toFixed(3)}`;
        const file = `pictures/${dataset}-${entry.id.replace('/', '-')}.svg`;
        pictures.push({ title, file, svg: panelsSvg(title, panels, 220) });
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
