import { type FlowDef, type Params, countParams, disposeParams, tf } from '@bijective/core';
import { adamInit, adamStep, disposeAdam, lossAndGrads } from '@bijective/core/training';
import { flattenParams, tfSeed, unflattenParams } from '@bijective/core/params';
import type { BenchOptions, Op } from './args.js';
import { defaultHidden } from '@bijective/core/presets';
import type { FlowEntry, FlowSize, TrainLoss } from './flows.js';
import type { SpeedRow } from './model.js';
import { type ReferenceLookup, storedReference } from './reference.js';
import { summarize } from './stats.js';
import { type TimingOptions, timeRepeated } from './timing.js';
import { errorText } from './format.js';
import { type KernelProfile, profileKernels } from './kernelCount.js';

/** The sizes of one speed matrix: model sizes plus the batches of the two kinds of operation. */
export interface SpeedSize extends FlowSize {
  /** Batch of a training step. */
  readonly batch: number;
  /** Batch of logProb and sample. */
  readonly evalBatch: number;
}

/**
 * The speed matrix sizes, one per `--dim`: hidden widths default to RESULTS.md's for that dim.
 *
 * @example
 * ```ts
 * speedSizes(presetDefaults('full', 'speed')).map((s) => s.hidden); // [[64, 64], [128, 128]]
 * ```
 */
export const speedSizes = (o: BenchOptions): SpeedSize[] =>
  o.dims.map((dim) => ({
    dim,
    hidden: o.hidden ?? defaultHidden(dim),
    transforms: o.transforms,
    batch: o.batch,
    evalBatch: o.evalBatch,
  }));

/** A prepared operation: `run` does one call and waits for its result; `dispose` frees its state. */
interface Prepared {
  readonly run: () => Promise<void> | void;
  readonly dispose: () => void;
}

/** One Adam training step per call, on a fixed batch, carrying the parameters and moments across calls. */
const trainStep = (
  def: FlowDef<Params>,
  params0: Params,
  x: tf.Tensor2D,
  context: tf.Tensor2D | undefined,
  loss: TrainLoss | undefined,
  seed: number,
): Prepared => {
  let params = params0;
  let adam = adamInit(flattenParams(params).map((l) => l.tensor));
  let calls = 0;
  const objective = (p: Params): tf.Scalar =>
    loss === undefined
      ? (tf.neg(tf.mean(def.apply(p).logProb(x, context))) as tf.Scalar)
      : loss(def, p, x, seed + calls);
  return {
    run: () => {
      calls++;
      const r = lossAndGrads(params, objective);
      const next = adamStep(
        flattenParams(params).map((l) => l.tensor),
        r.grads,
        adam,
        { learningRate: 1e-3 },
      );
      tf.dispose(r.grads);
      disposeAdam(adam);
      adam = next.state;
      const old = params;
      params = unflattenParams(old, next.leaves);
      disposeParams(old);
      if (!Number.isFinite(r.loss))
        throw new Error(`training step gave a non-finite loss (${r.loss})`);
    },
    dispose: () => {
      disposeParams(params);
      disposeAdam(adam);
    },
  };
};

const readBack = async (t: tf.Tensor): Promise<void> => {
  try {
    await t.data();
  } finally {
    t.dispose();
  }
};

/** Context rows for a conditional flow (`[n, contextDim]` standard-normal draws), none for an unconditional one. */
const contextRows = (def: FlowDef<Params>, n: number, seed: number): tf.Tensor2D | undefined =>
  def.contextDim > 0
    ? (tf.randomNormal([n, def.contextDim], 0, 1, 'float32', tfSeed(seed + 1)) as tf.Tensor2D)
    : undefined;

const prepare = (
  op: Op,
  def: FlowDef<Params>,
  params: Params,
  size: SpeedSize,
  seed: number,
  loss: TrainLoss | undefined,
): Prepared => {
  const n = op === 'train' ? size.batch : size.evalBatch;
  const c = contextRows(def, n, seed);
  if (op === 'train') {
    const x = tf.randomNormal([n, size.dim], 0, 1, 'float32', tfSeed(seed)) as tf.Tensor2D;
    const step = trainStep(def, params, x, c, loss, seed);
    return { run: step.run, dispose: () => (step.dispose(), tf.dispose([x, ...(c ? [c] : [])])) };
  }
  if (op === 'logProb') {
    const x = tf.randomNormal([n, size.dim], 0, 1, 'float32', tfSeed(seed)) as tf.Tensor2D;
    return {
      run: () => readBack(tf.tidy(() => def.apply(params).logProb(x, c))),
      dispose: () => (disposeParams(params), tf.dispose([x, ...(c ? [c] : [])])),
    };
  }
  let calls = 0;
  return {
    run: () => readBack(tf.tidy(() => def.apply(params).sample(n, seed + calls++, c))),
    dispose: () => (disposeParams(params), c?.dispose()),
  };
};

/** What the cell runs: the entry's own model ({@link FlowEntry.load}), or the preset built at `size` with parameters drawn from `seed`. */
const modelOf = (
  entry: FlowEntry,
  size: SpeedSize,
  seed: number,
): { readonly def: FlowDef<Params>; readonly params: Params } => {
  if (entry.load !== undefined) return entry.load();
  const def = entry.build(size);
  return { def, params: def.init(seed) };
};

/** The row's note: what differs from the operation's usual meaning. */
const noteOf = (entry: FlowEntry, op: Op, contextDim: number): string | undefined => {
  const notes = [
    ...(op === 'train' && entry.trainLoss !== undefined ? ['flow-matching loss step'] : []),
    ...(contextDim > 0 ? [`context: ${contextDim} standard-normal features per row`] : []),
  ];
  return notes.length === 0 ? undefined : notes.join('; ');
};

const baseRow = (flow: string, backend: string, op: SpeedRow['op'], size: SpeedSize) => ({
  flow,
  backend,
  op,
  dim: size.dim,
  batch: op === 'train' ? size.batch : size.evalBatch,
  hidden: [...size.hidden],
  transforms: size.transforms,
});

/**
 * zuko's figure for a cell from `lookup` (zuko timed live in this run, or RESULTS.md's stored
 * figure when the model and sizes match), with the ratio `samplesPerSecond / zuko` when a
 * throughput is given. Attached to failed and skipped cells too, so the reference column is never
 * blank for a comparable row.
 */
const withReference = (
  entry: FlowEntry,
  op: Op,
  size: SpeedSize,
  lookup: ReferenceLookup,
  samplesPerSecond?: number,
): Pick<SpeedRow, 'reference'> => {
  const model =
    entry.reference === 'FFJORD' || entry.reference === 'flow matching'
      ? undefined
      : entry.reference;
  const ref = lookup(model, op, {
    dim: size.dim,
    hidden: size.hidden,
    transforms: size.transforms,
    batch: op === 'train' ? size.batch : size.evalBatch,
  });
  if (ref === undefined) return {};
  const ratio =
    samplesPerSecond === undefined ? undefined : samplesPerSecond / ref.samplesPerSecond;
  return { reference: { ...ref, ratio } };
};

/**
 * Time one operation of one flow on the active backend: build the flow and
 * draw parameters (or, for an entry with `load`, make its own model with its
 * stored parameters), warm up, time repeated calls, count tensors before and
 * after the calls (a leak shows as a positive count), then free everything.
 * Failures (a preset that throws, a non-finite loss) become a `failed` row.
 * A conditional flow (`contextDim > 0`) gets fixed standard-normal context rows.
 *
 * - `train`: `loss = -mean log p(x)` on a fixed `[batch, dim]` normal batch,
 *   reverse-mode gradients, one Adam step (lr 1e-3).
 * - `logProb`: `log p(x)` of `[evalBatch, dim]` (forward direction).
 * - `sample`: `evalBatch` draws (inverse direction).
 *
 * @example
 * ```ts
 * const row = await runCell(entry, 'train', { dim: 2, hidden: [64, 64], transforms: 5, batch: 256, evalBatch: 1024 },
 *   { warmup: 1, reps: 5, maxSeconds: 1 }, 0, 'cpu');
 * row.samplesPerSecond; // batch / median seconds
 * ```
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
    const { def, params: p } = modelOf(entry, size, seed);
    params = countParams(p);
    note = noteOf(entry, op, def.contextDim);
    prepared = prepare(op, def, p, size, seed, entry.trainLoss);
  } catch (e) {
    return failed(`build: ${errorText(e)}`);
  }
  const before = tf.memory().numTensors;
  try {
    const { seconds, calls: timedCalls } = await timeRepeated(prepared.run, timing);
    const s = summarize(seconds);
    // More calls, untimed, with every kernel counted and timed (the timed calls ran unwrapped):
    // three when a call is short, keeping the one with the median outside share (one call is easily
    // preempted on a shared machine), one when a call takes more than half a second.
    const profiles: KernelProfile[] = [];
    for (let i = 0; i < (s.median > 0.5 ? 1 : PROFILE_CALLS); i++)
      profiles.push(await profileKernels(prepared.run, backend));
    const profile = [...profiles].sort((a, b) => a.outsideShare - b.outsideShare)[
      Math.floor(profiles.length / 2)
    ]!;
    const calls = timedCalls + profiles.length;
    const leaked = tf.memory().numTensors - before;
    const samplesPerSecond = base.batch / s.median;
    return {
      ...base,
      params,
      status: 'ok',
      ...(note === undefined ? {} : { note }),
      seconds: s,
      samplesPerSecond,
      leakedTensors: leaked,
      calls,
      kernels: {
        calls: profile.kernelCalls,
        outsideShare: profile.outsideShare,
        wallSeconds: profile.wallSeconds,
        top: profile.byKernel.slice(0, 8).map(([name, n]) => ({
          name,
          calls: n,
          seconds: profile.secondsByKernel.find(([k]) => k === name)?.[1] ?? 0,
        })),
        slowest: profile.secondsByKernel.slice(0, 8).map(([name, sec]) => ({
          name,
          calls: profile.byKernel.find(([k]) => k === name)?.[1] ?? 0,
          seconds: sec,
        })),
      },
      ...withReference(entry, op, size, reference, samplesPerSecond),
    };
  } catch (e) {
    return failed(errorText(e));
  } finally {
    prepared.dispose();
  }
};

/** Kernel-counting calls after a cell's timed calls (one when a call takes over half a second). */
export const PROFILE_CALLS = 3;

/** The GEMM row's shapes: `[M, K] @ [K, N]`. */
export const GEMM = { m: 512, k: 256, n: 256 } as const;

/**
 * Time `tf.matMul` of a 512×256 by a 256×256 float32 matrix on the active
 * backend and report GFLOP/s `= 2·M·K·N / seconds / 10⁹` (67.1 MFLOP per call).
 *
 * @example
 * ```ts
 * const row = await runGemm({ warmup: 2, reps: 20, maxSeconds: 1 }, 'wasm');
 * row.gflops;
 * ```
 */
export const runGemm = async (timing: TimingOptions, backend: string): Promise<SpeedRow> => {
  const base = {
    flow: 'gemm',
    backend,
    op: 'gemm' as const,
    dim: GEMM.k,
    batch: GEMM.m,
    hidden: [GEMM.n],
    transforms: 0,
    params: 0,
  };
  const a = tf.randomNormal([GEMM.m, GEMM.k], 0, 1, 'float32', 1);
  const b = tf.randomNormal([GEMM.k, GEMM.n], 0, 1, 'float32', 2);
  const before = tf.memory().numTensors;
  try {
    const { seconds, calls } = await timeRepeated(() => readBack(tf.matMul(a, b)), timing);
    const s = summarize(seconds);
    return {
      ...base,
      status: 'ok',
      seconds: s,
      samplesPerSecond: GEMM.m / s.median,
      gflops: (2 * GEMM.m * GEMM.k * GEMM.n) / s.median / 1e9,
      leakedTensors: tf.memory().numTensors - before,
      calls,
    };
  } catch (e) {
    return { ...base, status: 'failed', reason: errorText(e) };
  } finally {
    a.dispose();
    b.dispose();
  }
};

/** One planned cell of the matrix. */
export interface PlannedCell {
  readonly entry: FlowEntry;
  readonly op: Op;
  readonly size: SpeedSize;
  readonly backend: string;
}

/**
 * The cells of the matrix in run order: for each size, flow and operation,
 * every backend in turn, so a time budget that runs out cuts the last flows
 * on all backends alike rather than a whole backend.
 *
 * @example
 * ```ts
 * planMatrix(entries, ['train'], [size], ['cpu', 'wasm']).length; // entries.length × 2
 * ```
 */
export const planMatrix = (
  entries: readonly FlowEntry[],
  ops: readonly Op[],
  sizes: readonly SpeedSize[],
  backends: readonly string[],
): PlannedCell[] =>
  sizes.flatMap((size) =>
    entries.flatMap((entry) =>
      ops.flatMap((op) => backends.map((backend) => ({ entry, op, size, backend }))),
    ),
  );

/** Receives progress of a matrix run (the terminal display, or the browser page's console). */
export interface ProgressSink {
  readonly start: (total: number) => void;
  readonly begin: (index: number, label: string) => void;
  readonly done: (index: number, row: SpeedRow) => void;
  readonly finish: () => void;
}

/** Options of {@link runMatrix}. */
export interface MatrixOptions {
  readonly timing: TimingOptions;
  readonly seed: number;
  /** Wall-clock cap of the whole matrix (seconds); later cells become `skipped`. */
  readonly budgetSeconds: number | undefined;
  /** Make a backend active before its cells run. */
  readonly activate: (backend: string) => Promise<void>;
  readonly progress: ProgressSink;
  /** zuko's figures (default: RESULTS.md's stored ones; the CLI passes a live run's when it has one). */
  readonly reference?: ReferenceLookup;
}

/** Short human label of a cell. */
const cellLabel = (c: {
  readonly backend: string;
  readonly op: string;
  readonly flow?: string;
  readonly entry?: FlowEntry;
  readonly dim?: number;
  readonly size?: SpeedSize;
}): string =>
  `${c.backend} · ${c.entry?.id ?? c.flow ?? ''} · ${c.op}${c.size !== undefined ? ` · dim ${c.size.dim}` : c.dim !== undefined ? ` · dim ${c.dim}` : ''}`;

/**
 * Run the GEMM row on each backend, then every planned cell, reporting
 * progress; cells past the budget are recorded as skipped with the reason.
 *
 * @example
 * ```ts
 * const { gemm, rows } = await runMatrix(['cpu'], planMatrix(entries, ['train'], [size], ['cpu']), options);
 * ```
 */
export const runMatrix = async (
  backends: readonly string[],
  cells: readonly PlannedCell[],
  options: MatrixOptions,
): Promise<{ gemm: SpeedRow[]; rows: SpeedRow[] }> => {
  const t0 = performance.now();
  const over = () =>
    options.budgetSeconds !== undefined && (performance.now() - t0) / 1000 > options.budgetSeconds;
  const total = backends.length + cells.length;
  options.progress.start(total);
  const gemm: SpeedRow[] = [];
  let index = 0;
  for (const backend of backends) {
    options.progress.begin(index, `${backend} · gemm 512x256 @ 256x256`);
    await options.activate(backend);
    const row = await runGemm(
      {
        ...options.timing,
        warmup: Math.max(1, options.timing.warmup),
        reps: Math.max(options.timing.reps, 5),
      },
      backend,
    );
    gemm.push(row);
    options.progress.done(index++, row);
  }
  const rows: SpeedRow[] = [];
  for (const cell of cells) {
    options.progress.begin(index, cellLabel(cell));
    let row: SpeedRow;
    if (over()) {
      row = {
        ...baseRow(cell.entry.id, cell.backend, cell.op, cell.size),
        ...withReference(cell.entry, cell.op, cell.size, options.reference ?? storedReference),
        params: 0,
        status: 'skipped',
        reason: `time budget of ${options.budgetSeconds} s used up (raise --budget-seconds)`,
      };
    } else {
      await options.activate(cell.backend);
      const deadline =
        options.budgetSeconds === undefined ? undefined : t0 + options.budgetSeconds * 1000;
      row = await runCell(
        cell.entry,
        cell.op,
        cell.size,
        { ...options.timing, ...(deadline === undefined ? {} : { deadline }) },
        options.seed,
        cell.backend,
        options.reference,
      );
    }
    rows.push(row);
    options.progress.done(index++, row);
  }
  options.progress.finish();
  return { gemm, rows };
};
