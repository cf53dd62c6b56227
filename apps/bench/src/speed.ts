import { type FlowDef, type Params, countParams, disposeParams, tf } from '@bijective/core';
import { adamInit, disposeAdam, lossAndGrads, optimizerUpdate } from '@bijective/core/training';
import { flattenParams, tfSeed } from '@bijective/core/params';
import { type KernelProfile, profileKernels } from '@bijective/core/backend';
import { defaultHidden } from '@bijective/core/presets';
import type { BenchOptions, Op } from './args.js';
import type { FlowEntry, FlowSize } from './flows.js';
import type { SpeedRow } from './model.js';
import { type ReferenceLookup, storedReference } from './reference.js';
import { summarize } from './stats.js';
import { GEMM_WARMUP_SECONDS, type TimingOptions, timeRepeated } from './timing.js';
import { errorText } from './format.js';

/** The sizes of one speed matrix: model sizes plus the train and eval batches. */
export interface SpeedSize extends FlowSize {
  readonly batch: number;
  readonly evalBatch: number;
}

/** The batch of an operation: a training step's, or logProb's and sample's. */
export const batchOf = (op: string, size: SpeedSize) =>
  op === 'train' ? size.batch : size.evalBatch;

/** The speed matrix sizes, one per `--dim` (hidden widths: RESULTS.md's for that dim). */
export const speedSizes = (o: BenchOptions): SpeedSize[] =>
  o.dims.map((dim) => ({
    dim,
    hidden: o.hidden ?? defaultHidden(dim),
    transforms: o.transforms,
    batch: o.batch,
    evalBatch: o.evalBatch,
  }));

/** A prepared operation: `run` does one call and waits for its result; `dispose` frees it. */
type Prepared = { readonly run: () => Promise<void> | void; readonly dispose: () => void };

const readBack = async (t: tf.Tensor): Promise<void> =>
  void (await t.data().finally(() => t.dispose()));

/**
 * One operation on fixed standard-normal inputs (and context). `train` is one step of core's update
 * rule (Adam 1e-3) on `-mean log p(x)` or the entry's `trainLoss`, carrying parameters and moments.
 */
const prepare = (
  entry: FlowEntry,
  op: Op,
  def: FlowDef<Params>,
  params0: Params,
  size: SpeedSize,
  seed: number,
): Prepared => {
  const n = batchOf(op, size);
  const normal = (cols: number, s: number) =>
    tf.randomNormal([n, cols], 0, 1, 'float32', tfSeed(s)) as tf.Tensor2D;
  const c = def.contextDim > 0 ? normal(def.contextDim, seed + 1) : undefined;
  const x = op === 'sample' ? undefined : normal(size.dim, seed);
  let params = params0;
  let adam = op === 'train' ? adamInit(flattenParams(params).map((l) => l.tensor)) : undefined;
  let calls = 0;
  const dispose = () => {
    disposeParams(params);
    if (adam !== undefined) disposeAdam(adam);
    tf.dispose([...(x ? [x] : []), ...(c ? [c] : [])]);
  };
  if (x === undefined)
    return {
      run: () => readBack(tf.tidy(() => def.apply(params).sample(n, seed + calls++, c))),
      dispose,
    };
  if (adam === undefined)
    return { run: () => readBack(tf.tidy(() => def.apply(params).logProb(x, c))), dispose };
  const loss = (p: Params): tf.Scalar =>
    entry.trainLoss === undefined
      ? (tf.neg(tf.mean(def.apply(p).logProb(x, c))) as tf.Scalar)
      : entry.trainLoss(def, p, x, seed + calls);
  return {
    run: () => {
      calls++;
      const r = lossAndGrads(params, loss);
      ({ params, adam } = optimizerUpdate(params, r, adam!, { learningRate: 1e-3 }));
      if (!Number.isFinite(r.loss))
        throw new Error(`training step gave a non-finite loss (${r.loss})`);
    },
    dispose,
  };
};

const baseRow = (flow: string, backend: string, op: SpeedRow['op'], size: SpeedSize) => ({
  flow,
  backend,
  op,
  dim: size.dim,
  batch: batchOf(op, size),
  hidden: [...size.hidden],
  transforms: size.transforms,
});

/** zuko's figure for a cell and the ratio to it; failed and skipped cells get it too. */
const withReference = (
  entry: FlowEntry,
  op: Op,
  size: SpeedSize,
  lookup: ReferenceLookup,
  samplesPerSecond?: number,
): Pick<SpeedRow, 'reference'> => {
  const ref = lookup(entry.reference, op, { ...size, batch: batchOf(op, size) });
  if (ref === undefined) return {};
  const ratio =
    samplesPerSecond === undefined ? undefined : samplesPerSecond / ref.samplesPerSecond;
  return { reference: { ...ref, ratio } };
};

/** The row's `kernels` figures: the eight most frequent and the eight slowest kernels. */
export type KernelFigures = ReturnType<typeof kernelFigures>;
const kernelFigures = (p: KernelProfile) => ({
  calls: p.kernelCalls,
  outsideShare: p.outsideShare,
  wallSeconds: p.wallSeconds,
  top: p.byKernel.slice(0, 8),
  slowest: [...p.byKernel].sort((a, b) => b.seconds - a.seconds).slice(0, 8),
});

/**
 * Time one operation of one flow on the active backend, counting leaked tensors; a failure is a
 * `failed` row. Then three untimed calls (one when a call takes over half a second) with every
 * kernel counted; the row keeps the one with the median outside share.
 */
export const runCell = async (
  entry: FlowEntry,
  op: Op,
  size: SpeedSize,
  timing: TimingOptions,
  seed: number,
  backend: string,
  reference: ReferenceLookup = storedReference,
): Promise<SpeedRow> => {
  const base = baseRow(entry.id, backend, op, size);
  let params = 0;
  const failed = (reason: string): SpeedRow => ({
    ...base,
    ...withReference(entry, op, size, reference),
    params,
    status: 'failed',
    reason,
  });
  let prepared: Prepared;
  let note: string | undefined;
  try {
    const model = entry.load?.();
    const def = model?.def ?? entry.build(size);
    const p = model?.params ?? def.init(seed);
    params = countParams(p);
    const loss = op === 'train' && entry.trainLoss !== undefined && 'flow-matching loss step';
    const context =
      def.contextDim > 0 && `context: ${def.contextDim} standard-normal features per row`;
    note = [loss, context].filter((x) => x !== false).join('; ') || undefined;
    prepared = prepare(entry, op, def, p, size, seed);
  } catch (e) {
    return failed(`build: ${errorText(e)}`);
  }
  const before = tf.memory().numTensors;
  try {
    const { seconds, calls } = await timeRepeated(prepared.run, timing);
    const s = summarize(seconds);
    const profiles: KernelProfile[] = [];
    for (let i = 0; i < (s.median > 0.5 ? 1 : 3); i++)
      profiles.push(await profileKernels(prepared.run, backend));
    profiles.sort((a, b) => a.outsideShare - b.outsideShare);
    const samplesPerSecond = base.batch / s.median;
    return {
      ...base,
      params,
      status: 'ok',
      ...(note === undefined ? {} : { note }),
      seconds: s,
      samplesPerSecond,
      leakedTensors: tf.memory().numTensors - before,
      calls: calls + profiles.length,
      kernels: kernelFigures(profiles[Math.floor(profiles.length / 2)]!),
      ...withReference(entry, op, size, reference, samplesPerSecond),
    };
  } catch (e) {
    return failed(errorText(e));
  } finally {
    prepared.dispose();
  }
};

/** The GEMM row's shapes `[M, K] @ [K, N]` as a cell: dim K, batch M, hidden [N]. */
const GEMM = { dim: 256, batch: 512, evalBatch: 512, hidden: [256], transforms: 0 } as const;

/**
 * Time `tf.matMul` 512×256 @ 256×256 (float32): GFLOP/s `= 2·M·K·N / seconds / 10⁹` of the product,
 * disposed as it returns (the bench's backends compute synchronously); then the same product read
 * back with `data()`, which hands JavaScript a fresh 512 KiB array per call for V8 to collect.
 * Each after `timing`'s warm-up (the matrix runs {@link GEMM_WARMUP_SECONDS} of untimed products).
 */
export const runGemm = async (timing: TimingOptions, backend: string): Promise<SpeedRow> => {
  const base = { ...baseRow('gemm', backend, 'gemm', GEMM), params: 0 };
  const a = tf.randomNormal([GEMM.batch, GEMM.dim], 0, 1, 'float32', 1);
  const b = tf.randomNormal([GEMM.dim, GEMM.hidden[0]], 0, 1, 'float32', 2);
  const before = tf.memory().numTensors;
  try {
    const product = await timeRepeated(() => tf.matMul(a, b).dispose(), timing);
    const read = await timeRepeated(() => readBack(tf.matMul(a, b)), timing);
    const s = summarize(product.seconds);
    return {
      ...base,
      status: 'ok',
      seconds: s,
      readBackSeconds: summarize(read.seconds),
      samplesPerSecond: GEMM.batch / s.median,
      gflops: (2 * GEMM.batch * GEMM.dim * GEMM.hidden[0]) / s.median / 1e9,
      leakedTensors: tf.memory().numTensors - before,
      calls: product.calls + read.calls,
    };
  } catch (e) {
    return { ...base, status: 'failed', reason: errorText(e) };
  } finally {
    tf.dispose([a, b]);
  }
};

/** The cells in run order: every backend in turn per cell, so a budget cuts all backends alike. */
export const planMatrix = (
  entries: readonly FlowEntry[],
  ops: readonly Op[],
  sizes: readonly SpeedSize[],
  backends: readonly string[],
) =>
  sizes.flatMap((size) =>
    entries.flatMap((entry) =>
      ops.flatMap((op) => backends.map((backend) => ({ entry, op, size, backend }))),
    ),
  );

export type PlannedCell = ReturnType<typeof planMatrix>[number];

/** Receives progress of a matrix run (the terminal display, or the browser page's console). */
export interface ProgressSink {
  readonly start: (total: number) => void;
  readonly begin: (index: number, label: string) => void;
  readonly done: (index: number, row: SpeedRow) => void;
  readonly finish: () => void;
}

export interface MatrixOptions {
  readonly timing: TimingOptions;
  readonly seed: number;
  /** Wall-clock cap of the whole matrix (seconds); later cells become `skipped`. */
  readonly budgetSeconds: number | undefined;
  readonly activate: (backend: string) => Promise<void>;
  readonly progress: ProgressSink;
  /** zuko's figures (default: RESULTS.md's stored ones). */
  readonly reference?: ReferenceLookup;
}

/** The GEMM row on each backend, then every cell; cells past the budget are `skipped`. */
export const runMatrix = async (
  backends: readonly string[],
  cells: readonly PlannedCell[],
  options: MatrixOptions,
): Promise<{ gemm: SpeedRow[]; rows: SpeedRow[] }> => {
  const { timing, budgetSeconds, progress } = options;
  const reference = options.reference ?? storedReference;
  const t0 = performance.now();
  const deadline = budgetSeconds === undefined ? undefined : t0 + budgetSeconds * 1000;
  progress.start(backends.length + cells.length);
  const gemm: SpeedRow[] = [];
  let index = 0;
  for (const backend of backends) {
    progress.begin(index, `${backend} · gemm 512x256 @ 256x256`);
    await options.activate(backend);
    const warm = { warmupSeconds: GEMM_WARMUP_SECONDS, reps: Math.max(timing.reps, 5) };
    gemm.push(await runGemm({ ...timing, ...warm }, backend));
    progress.done(index++, gemm[gemm.length - 1]!);
  }
  const rows: SpeedRow[] = [];
  for (const { entry, op, size, backend } of cells) {
    progress.begin(index, `${backend} · ${entry.id} · ${op} · dim ${size.dim}`);
    if (deadline !== undefined && performance.now() > deadline)
      rows.push({
        ...baseRow(entry.id, backend, op, size),
        ...withReference(entry, op, size, reference),
        params: 0,
        status: 'skipped',
        reason: `time budget of ${budgetSeconds} s used up (raise --budget-seconds)`,
      });
    else {
      await options.activate(backend);
      const t = deadline === undefined ? timing : { ...timing, deadline };
      rows.push(await runCell(entry, op, size, t, options.seed, backend, reference));
    }
    progress.done(index++, rows[rows.length - 1]!);
  }
  progress.finish();
  return { gemm, rows };
};
