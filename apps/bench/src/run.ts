import * as E from 'fp-ts/lib/Either.js';
import { mkdir } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { tf } from '@bijective/core';
import { type BackendName, type BenchOptions, helpText, parseArgs } from './args.js';
import { type LoadedBackend, activate, loadBackends } from './backends.js';
import { chromiumMissing, runBrowser } from './browser.js';
import * as distill from './distill.js';
import { loadCatalog } from './families.js';
import { type FlowCatalog, type FlowEntry, prioritize, selectFlows } from './flows.js';
import { errorText } from './format.js';
import type { BenchReport } from './model.js';
import { type ProgressStream, statusLine, terminalProgress } from './progress.js';
import { runQuality } from './quality.js';
import { renderMarkdown } from './report/markdown.js';
import { writeReport } from './report/write.js';
import { type MatrixOptions, planMatrix, runMatrix, speedSizes } from './speed.js';
import { zukoCellsFor, zukoReferenceFor } from './zukoLive.js';
import { type ZukoModelEntry, loadZukoModel } from './zukoModel.js';

/** Where the CLI writes: the report table to `stdout`, progress and messages to `stderr`. */
export interface CliIO {
  readonly stdout: { readonly write: (chunk: string) => unknown };
  readonly stderr: ProgressStream;
}

/** An exit code (0 ok, 1 failure, 2 usage) and the report when one was written. */
export interface CliResult {
  readonly code: 0 | 1 | 2;
  readonly report?: BenchReport;
  readonly files?: Awaited<ReturnType<typeof writeReport>>;
}

const environment = (): Record<string, string | number> => ({
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
  cpus: cpus().length,
  cpu: cpus()[0]?.model.trim() ?? 'unknown',
  tfjs: tf.version_core,
  // Other processes skew every timing (PyTorch's threads more than tfjs): say how busy it was.
  'load average (1 min, at the end)': Number(loadavg()[0]!.toFixed(2)),
});

/**
 * Backends to train on, in order: `--train-backend`, else quality's first of native, tensorflow,
 * wasm, cpu; distill's of wasm, native, cpu (at dim 2 per-op overhead dominates; wasm has least).
 */
const trainOrder = (o: BenchOptions): readonly BackendName[] =>
  o.trainBackend !== undefined
    ? [o.trainBackend]
    : o.mode === 'distill'
      ? ['wasm', 'native', 'cpu']
      : o.mode === 'quality'
        ? (['native', 'tensorflow', 'wasm', 'cpu'] as const).filter((b) => o.backends.includes(b))
        : [];

const trainBackend = async (
  available: readonly LoadedBackend[],
  o: BenchOptions,
  io: CliIO,
): Promise<E.Either<string, BackendName>> => {
  const pick = trainOrder(o)
    .map((n) => available.find((b) => b.status.name === n))
    .find((b) => b?.plugin !== undefined);
  if (pick?.plugin === undefined)
    return E.left(
      o.trainBackend !== undefined
        ? `the training backend '${o.trainBackend}' could not be loaded`
        : 'no backend could be loaded',
    );
  await activate(pick.plugin);
  io.stderr.write(`[${o.mode}] training on the ${pick.status.name} backend\n`);
  return E.right(pick.status.name);
};

const usageError = (io: CliIO, text: string): CliResult => {
  io.stderr.write(`bijective-bench: ${text}\nRun with --help for the flags.\n`);
  return { code: 2 };
};

const chooseFlows = (c: FlowCatalog, o: BenchOptions): E.Either<string, readonly FlowEntry[]> => {
  const byDefault = o.flows.length === 1 && o.flows[0] === 'default';
  // With --model and without --flows, only the model's rows run.
  if (o.model !== undefined && byDefault) return E.right([]);
  if (o.mode === 'distill') {
    const pair = [distill.TEACHER_ID, distill.STUDENT_ID].map((id) =>
      c.entries.find((e) => e.id === id),
    );
    const why = c.missing.map((m) => `${m.family}: ${m.reason}`).join('; ');
    return pair[0] !== undefined && pair[1] !== undefined
      ? E.right([pair[0], pair[1]])
      : E.left(
          `--mode distill needs the presets ${distill.TEACHER_ID} and ${distill.STUDENT_ID}${why === '' ? '' : ` (not loaded: ${why})`}`,
        );
  }
  const sel = selectFlows(c, o.flows, o.mode);
  if (!sel.ok) return E.left(sel.message);
  // The quick quality preset trains the discrete reference models only (continuous: minutes each).
  const entries =
    o.mode === 'quality' && o.preset === 'quick' && byDefault
      ? sel.entries.filter((e) => !e.continuous)
      : sel.entries;
  return entries.length === 0
    ? E.left('--flows: nothing selected (no flow package loaded?)')
    : E.right(entries);
};

/** `--list`: the flows found, the packages skipped, and each requested backend's status. */
const list = async (io: CliIO, o: BenchOptions): Promise<CliResult> => {
  const catalog = await loadCatalog();
  const backends = (await loadBackends(o.backends)).map(({ status: s }) => {
    const flavour = s.details['flavour'] === undefined ? '' : ` (${String(s.details['flavour'])})`;
    return `  ${s.name}: ${s.available ? `available${flavour}` : `unavailable: ${s.reason ?? ''}`}`;
  });
  const lines = [
    'Flows (use with --flows):',
    ...catalog.entries.map(
      (e) => `  ${e.id}${e.reference === undefined ? '' : `  [reference: ${e.reference}]`}`,
    ),
    ...catalog.missing.map((m) => `  (${m.family}: ${m.reason})`),
    'Backends (use with --backends):',
    ...backends,
    `Browser: ${chromiumMissing(o.chromium) ?? `Chromium at ${o.chromium}`}`,
  ];
  io.stdout.write(`${lines.join('\n')}\n`);
  return { code: 0 };
};

type Sections = Pick<BenchReport, 'speed' | 'quality' | 'browser' | 'distill'> & {
  readonly anyOk: boolean;
};

/** The CLI in-process: parse, run the mode, print the summary, write the report; the exit code. */
export const main = async (argv: readonly string[], io: CliIO): Promise<CliResult> => {
  const parsed = parseArgs(argv);
  if (E.isLeft(parsed)) return usageError(io, parsed.left.message);
  if (parsed.right.kind === 'help') {
    io.stdout.write(`${helpText()}\n`);
    return { code: 0 };
  }
  const o = parsed.right.options;
  if (parsed.right.kind === 'list') return list(io, o);
  const t0 = performance.now();
  // Fail before a long run, not after it, if the report cannot be written.
  try {
    await mkdir(resolve(o.out), { recursive: true });
  } catch (e) {
    return usageError(io, `--out: cannot create the folder '${o.out}': ${errorText(e)}`);
  }
  // A model file that cannot be read or that fromZuko refuses is a usage error, before any timing.
  let model: ZukoModelEntry | undefined;
  if (o.model !== undefined && o.zuko !== undefined) {
    const m = await loadZukoModel(o.model, o.zuko)();
    if (E.isLeft(m)) return usageError(io, `--model: ${m.left.message}`);
    model = m.right;
  }
  const catalog = await loadCatalog();
  const chosen = chooseFlows(catalog, o);
  if (E.isLeft(chosen)) return usageError(io, chosen.left);
  const entries = chosen.right;
  const status = statusLine(io.stderr, o.progress);
  for (const m of catalog.missing)
    io.stderr.write(`note: flow package '${m.family}' skipped: ${m.reason}\n`);

  const wanted = o.mode === 'browser' ? [] : [...new Set([...o.backends, ...trainOrder(o)])];
  const loaded = await loadBackends(wanted);
  for (const { status: s } of loaded)
    if (!s.available)
      io.stderr.write(`note: backend '${s.name}' skipped: ${(s.reason ?? '').slice(0, 300)}\n`);
  const available = loaded.filter((b) => b.status.available && b.plugin !== undefined);
  const names = available.map((b) => b.status.name);
  const baseline = tf.memory().numTensors;
  const matrix: MatrixOptions = {
    timing: { warmup: o.warmup, reps: o.reps, maxSeconds: o.cellSeconds },
    seed: o.seed,
    budgetSeconds: undefined,
    activate: async (name) => {
      const plugin = available.find((b) => b.status.name === name)?.plugin;
      if (plugin !== undefined) await activate(plugin);
    },
    progress: terminalProgress(io.stderr, o.progress),
  };

  const run = async (): Promise<E.Either<string, Sections>> => {
    if (o.mode === 'speed') {
      if (available.length === 0) return E.left('no backend could be loaded');
      // The model's rows first (own sizes, the run's batches): a budget cuts presets, not them.
      const batches = { batch: o.batch, evalBatch: o.evalBatch };
      const cells = [
        ...(model ? planMatrix([model.entry], o.ops, [{ ...model.size, ...batches }], names) : []),
        ...planMatrix(prioritize(entries), o.ops, speedSizes(o), names),
      ];
      // zuko first, in the same run at the same sizes: the ratio column divides by a live figure.
      const zukoCells = zukoCellsFor(cells);
      if (o.zukoLive !== 'off' && zukoCells.length > 0)
        io.stderr.write(`[speed] timing zuko live: ${zukoCells.length} cell(s)\n`);
      const zuko = await zukoReferenceFor(o.zukoLive, zukoCells, matrix.timing, o.seed);
      if (E.isLeft(zuko)) return zuko;
      if (zuko.right.info.reason !== undefined)
        io.stderr.write(`note: zuko column from stored figures: ${zuko.right.info.reason}\n`);
      const m = await runMatrix(names, cells, {
        ...matrix,
        budgetSeconds: o.budgetSeconds,
        reference: zuko.right.lookup,
      });
      const anyOk = [...m.rows, ...m.gemm].some((r) => r.status === 'ok');
      return E.right({ speed: { ...m, zuko: zuko.right.info }, anyOk });
    }
    if (o.mode === 'quality') {
      const backend = await trainBackend(available, o, io);
      if (E.isLeft(backend)) return backend;
      const hooks = { status: status.update };
      const quality = await runQuality(entries, o, backend.right, catalog.continuous, hooks);
      return E.right({ quality, anyOk: quality.rows.some((r) => r.status === 'ok') });
    }
    if (o.mode === 'distill') {
      const distillFn = await distill.loadDistill();
      const backend = await trainBackend(available, o, io);
      if (E.isLeft(backend)) return backend;
      if (typeof distillFn === 'string') return E.left(distillFn);
      const [teacher, student] = entries as [FlowEntry, FlowEntry];
      const { training, pictures } = await distill.runDistillTraining(o, {
        teacher,
        student,
        distill: distillFn,
        backend: backend.right,
        hooks: { status: status.update },
      });
      // The speed part: sampling of both architectures on every loaded backend of --backends.
      const on = names.filter((n) => o.backends.includes(n));
      const speed = await runMatrix(on, planMatrix(entries, ['sample'], speedSizes(o), on), matrix);
      const sizes = speedSizes(o)
        .map((s) => `dim ${s.dim} with hidden [${s.hidden.join(', ')}], ${s.transforms} transforms`)
        .join('; ');
      const anyOk = training.status === 'ok' || speed.rows.some((r) => r.status === 'ok');
      return E.right({
        speed,
        anyOk,
        distill: {
          training,
          speedups: distill.speedups(speed.rows),
          speedupThreshold: distill.SPEEDUP_THRESHOLD,
          speedNote: `Sampling throughput of the teacher's and the student's architectures with freshly initialised (untrained) parameters — the cost of a draw does not depend on the parameter values: ${sizes}; ${o.evalBatch} draws per call, median over up to ${o.reps} timed calls after ${o.warmup} warm-up(s).`,
          pictures,
        },
      });
    }
    const hooks = { status: status.update, progress: matrix.progress };
    const browser = await runBrowser(o, catalog, entries, hooks);
    return E.right({ browser, anyOk: browser.status !== 'failed' });
  };
  const result = await run();
  if (E.isLeft(result)) {
    io.stderr.write(`bijective-bench: ${result.left}\n`);
    return { code: 1 };
  }
  const { anyOk, ...sections } = result.right;
  const report: BenchReport = {
    tool: '@bijective/bench',
    createdAt: new Date().toISOString(),
    options: o,
    environment: environment(),
    backends: loaded.map((b) => b.status),
    flows: {
      selected: [...(model === undefined ? [] : [model.entry.id]), ...entries.map((e) => e.id)],
      missing: catalog.missing,
    },
    ...sections,
    leakedTensorsOverall: tf.memory().numTensors - baseline,
    wallSeconds: (performance.now() - t0) / 1000,
  };
  io.stdout.write(renderMarkdown(report, { detail: false }));
  let files: CliResult['files'];
  try {
    files = await writeReport(resolve(o.out), report);
  } catch (e) {
    io.stderr.write(`bijective-bench: could not write the report to ${o.out}: ${errorText(e)}\n`);
    return { code: 1, report };
  }
  io.stderr.write(`report: ${files.html}\n        ${files.markdown}\n        ${files.json}\n`);
  if (report.leakedTensorsOverall !== 0)
    io.stderr.write(`warning: ${report.leakedTensorsOverall} tensors were left alive by the run\n`);
  return { code: anyOk ? 0 : 1, report, files };
};
