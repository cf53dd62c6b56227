import * as E from 'fp-ts/lib/Either.js';
import { mkdir } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { tf } from '@bijective/core';
import { type BackendName, type BenchOptions, helpText, parseArgs } from './args.js';
import { type LoadedBackend, activate, loadBackends } from './backends.js';
import { chromiumMissing, runBrowser } from './browser.js';
import {
  SPEEDUP_THRESHOLD,
  STUDENT_ID,
  TEACHER_ID,
  loadDistill,
  runDistillTraining,
  speedups,
} from './distill.js';
import { loadCatalog } from './families.js';
import { type FlowCatalog, type FlowEntry, prioritize, selectFlows } from './flows.js';
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

/** The outcome of {@link main}: an exit code (0 ok, 1 failure, 2 usage) and the report when one was written. */
export interface CliResult {
  readonly code: 0 | 1 | 2;
  readonly report?: BenchReport;
  readonly files?: { readonly html: string; readonly json: string; readonly markdown: string };
}

const environment = (): Record<string, string | number> => {
  const c = cpus();
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: c.length,
    cpu: c[0]?.model.trim() ?? 'unknown',
    tfjs: tf.version_core,
    // Other processes skew every timing (PyTorch's OpenMP threads far more than tfjs): say how busy the machine was.
    'load average (1 min, at the end)': Number(loadavg()[0]!.toFixed(2)),
  };
};

const QUALITY_PREFERENCE: readonly BackendName[] = ['native', 'tensorflow', 'wasm', 'cpu'];
// At dim 2 the per-op overhead dominates a training step, and wasm has the least of it.
const DISTILL_PREFERENCE: readonly BackendName[] = ['wasm', 'native', 'cpu'];

/** The backends to load: the speed/quality selection plus the training backend of quality and distill. */
const backendsToLoad = (o: BenchOptions): readonly BackendName[] => {
  if (o.mode === 'browser') return [];
  const train =
    o.trainBackend !== undefined
      ? [o.trainBackend]
      : o.mode === 'distill'
        ? DISTILL_PREFERENCE
        : [];
  return [...o.backends, ...train.filter((b) => !o.backends.includes(b))];
};

/** The training backend: `--train-backend` if it loaded, else the first available in preference order. */
const pickTrainBackend = (
  available: readonly LoadedBackend[],
  o: BenchOptions,
): E.Either<string, LoadedBackend> => {
  const order =
    o.trainBackend !== undefined
      ? [o.trainBackend]
      : o.mode === 'distill'
        ? DISTILL_PREFERENCE
        : QUALITY_PREFERENCE.filter((b) => o.backends.includes(b));
  const pick = order.map((n) => available.find((b) => b.status.name === n)).find((b) => b);
  return pick === undefined
    ? E.left(
        o.trainBackend !== undefined
          ? `the training backend '${o.trainBackend}' could not be loaded`
          : 'no backend could be loaded',
      )
    : E.right(pick);
};

const usageError = (io: CliIO, text: string): CliResult => {
  io.stderr.write(`bijective-bench: ${text}\nRun with --help for the flags.\n`);
  return { code: 2 };
};

const chooseFlows = (
  catalog: FlowCatalog,
  o: BenchOptions,
): E.Either<string, readonly FlowEntry[]> => {
  // With --model and without --flows, only the model's rows run.
  if (o.model !== undefined && o.flows.length === 1 && o.flows[0] === 'default') return E.right([]);
  if (o.mode === 'distill') {
    const pair = [TEACHER_ID, STUDENT_ID].map((id) => catalog.entries.find((e) => e.id === id));
    const why = catalog.missing.map((m) => `${m.family}: ${m.reason}`).join('; ');
    return pair[0] !== undefined && pair[1] !== undefined
      ? E.right([pair[0], pair[1]])
      : E.left(
          `--mode distill needs the presets ${TEACHER_ID} and ${STUDENT_ID}${why === '' ? '' : ` (not loaded: ${why})`}`,
        );
  }
  const sel = selectFlows(catalog, o.flows, o.mode);
  if (!sel.ok) return E.left(sel.message);
  // The quick quality preset trains the three discrete reference models only; continuous ones take minutes each.
  const entries =
    o.mode === 'quality' && o.preset === 'quick' && o.flows.length === 1 && o.flows[0] === 'default'
      ? sel.entries.filter((e) => !e.continuous)
      : sel.entries;
  return entries.length === 0
    ? E.left('--flows: nothing selected (no flow package loaded?)')
    : E.right(entries);
};

/** `--list`: the flows found, the packages skipped, and each requested backend's status. */
const list = async (io: CliIO, o: BenchOptions): Promise<CliResult> => {
  const catalog = await loadCatalog();
  const lines = [
    'Flows (use with --flows):',
    ...catalog.entries.map(
      (e) => `  ${e.id}${e.reference === undefined ? '' : `  [reference: ${e.reference}]`}`,
    ),
  ];
  for (const m of catalog.missing) lines.push(`  (${m.family}: ${m.reason})`);
  lines.push('Backends (use with --backends):');
  for (const b of await loadBackends(o.backends)) {
    const s = b.status;
    lines.push(
      `  ${s.name}: ${s.available ? `available${s.details['flavour'] !== undefined ? ` (${String(s.details['flavour'])})` : ''}` : `unavailable: ${s.reason ?? ''}`}`,
    );
  }
  lines.push(`Browser: ${chromiumMissing(o.chromium) ?? `Chromium at ${o.chromium}`}`);
  io.stdout.write(`${lines.join('\n')}\n`);
  return { code: 0 };
};

/**
 * Run the benchmark CLI in-process: parse `argv`, run the chosen mode, print
 * the Markdown summary on stdout, write report.{json,md,html} (and pictures)
 * to `--out`, and return the exit code. Never throws for bad input: usage
 * errors are code 2 with a message on stderr.
 *
 * @example
 * ```ts
 * const r = await main(['--backends', 'cpu', '--flows', 'maf', '--reps', '3'], { stdout: process.stdout, stderr: process.stderr });
 * process.exitCode = r.code;
 * ```
 */
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
    return usageError(
      io,
      `--out: cannot create the folder '${o.out}': ${e instanceof Error ? e.message : String(e)}`,
    );
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

  const loaded: LoadedBackend[] = await loadBackends(backendsToLoad(o));
  for (const b of loaded)
    if (!b.status.available)
      io.stderr.write(
        `note: backend '${b.status.name}' skipped: ${(b.status.reason ?? '').slice(0, 300)}\n`,
      );
  const available = loaded.filter((b) => b.status.available && b.plugin !== undefined);
  const byName = new Map(available.map((b) => [b.status.name as string, b.plugin!]));
  const baseline = tf.memory().numTensors;
  const matrixOptions = (budgetSeconds: number | undefined): MatrixOptions => ({
    timing: { warmup: o.warmup, reps: o.reps, maxSeconds: o.cellSeconds },
    seed: o.seed,
    budgetSeconds,
    activate: async (name) => {
      const plugin = byName.get(name);
      if (plugin !== undefined) await activate(plugin);
    },
    progress: terminalProgress(io.stderr, o.progress),
  });
  const fail = (text: string): CliResult => {
    io.stderr.write(`bijective-bench: ${text}\n`);
    return { code: 1 };
  };

  let speed: BenchReport['speed'];
  let quality: BenchReport['quality'];
  let browser: BenchReport['browser'];
  let distill: BenchReport['distill'];
  let anyOk = false;

  if (o.mode === 'speed') {
    if (available.length === 0) return fail('no backend could be loaded');
    const names = available.map((b) => b.status.name);
    // The model's rows first (its own sizes, the run's batches), so a time budget cuts presets, not them.
    const cells = [
      ...(model === undefined
        ? []
        : planMatrix(
            [model.entry],
            o.ops,
            [{ ...model.size, batch: o.batch, evalBatch: o.evalBatch }],
            names,
          )),
      ...planMatrix(prioritize(entries), o.ops, speedSizes(o), names),
    ];
    // zuko first, in the same run and at the same sizes, so the ratio column divides by a live figure.
    const zukoCells = zukoCellsFor(cells);
    if (o.zukoLive !== 'off' && zukoCells.length > 0)
      io.stderr.write(`[speed] timing zuko live: ${zukoCells.length} cell(s)\n`);
    const zuko = await zukoReferenceFor(
      o.zukoLive,
      zukoCells,
      matrixOptions(undefined).timing,
      o.seed,
    );
    if (E.isLeft(zuko)) return fail(zuko.left);
    if (zuko.right.info.reason !== undefined)
      io.stderr.write(`note: zuko column from stored figures: ${zuko.right.info.reason}\n`);
    const matrix = await runMatrix(names, cells, {
      ...matrixOptions(o.budgetSeconds),
      reference: zuko.right.lookup,
    });
    speed = { ...matrix, zuko: zuko.right.info };
    anyOk = [...speed.rows, ...speed.gemm].some((r) => r.status === 'ok');
  } else if (o.mode === 'quality') {
    const chosen = pickTrainBackend(available, o);
    if (E.isLeft(chosen)) return fail(chosen.left);
    const pick = chosen.right;
    await activate(pick.plugin!);
    io.stderr.write(`[quality] training on the ${pick.status.name} backend\n`);
    quality = await runQuality(entries, o, pick.status.name, catalog.continuous, {
      status: status.update,
    });
    anyOk = quality.rows.some((r) => r.status === 'ok');
  } else if (o.mode === 'distill') {
    const chosen = pickTrainBackend(available, o);
    const distillFn = await loadDistill();
    if (E.isLeft(chosen)) return fail(chosen.left);
    if (typeof distillFn === 'string') return fail(distillFn);
    const trainOn = chosen.right.status.name;
    await activate(chosen.right.plugin!);
    io.stderr.write(`[distill] training on the ${trainOn} backend\n`);
    const [teacher, student] = entries as [FlowEntry, FlowEntry];
    const { training, pictures } = await runDistillTraining(o, {
      teacher,
      student,
      distill: distillFn,
      backend: trainOn,
      hooks: { status: status.update },
    });
    // The speed part: sampling of both architectures on every loaded backend of --backends.
    const names = available.map((b) => b.status.name).filter((n) => o.backends.includes(n));
    const cells = planMatrix(entries, ['sample'], speedSizes(o), names);
    speed = await runMatrix(names, cells, matrixOptions(undefined));
    distill = {
      training,
      speedups: speedups(speed.rows),
      speedupThreshold: SPEEDUP_THRESHOLD,
      speedNote: `Sampling throughput of the teacher's and the student's architectures with freshly initialised (untrained) parameters — the cost of a draw does not depend on the parameter values: ${speedSizes(
        o,
      )
        .map((s) => `dim ${s.dim} with hidden [${s.hidden.join(', ')}], ${s.transforms} transforms`)
        .join(
          '; ',
        )}; ${o.evalBatch} draws per call, median over up to ${o.reps} timed calls after ${o.warmup} warm-up(s).`,
      pictures,
    };
    anyOk = training.status === 'ok' || speed.rows.some((r) => r.status === 'ok');
  } else {
    browser = await runBrowser(o, catalog, entries, {
      status: status.update,
      progress: terminalProgress(io.stderr, o.progress),
    });
    anyOk = browser.status !== 'failed';
  }

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
    ...(speed === undefined ? {} : { speed }),
    ...(quality === undefined ? {} : { quality }),
    ...(browser === undefined ? {} : { browser }),
    ...(distill === undefined ? {} : { distill }),
    leakedTensorsOverall: tf.memory().numTensors - baseline,
    wallSeconds: (performance.now() - t0) / 1000,
  };
  io.stdout.write(renderMarkdown(report, { detail: false }));
  let files: Awaited<ReturnType<typeof writeReport>>;
  try {
    files = await writeReport(resolve(o.out), report);
  } catch (e) {
    io.stderr.write(
      `bijective-bench: could not write the report to ${o.out}: ${e instanceof Error ? e.message : String(e)}\n`,
    );
    return { code: 1, report };
  }
  io.stderr.write(`report: ${files.html}\n        ${files.markdown}\n        ${files.json}\n`);
  if (report.leakedTensorsOverall !== 0)
    io.stderr.write(`warning: ${report.leakedTensorsOverall} tensors were left alive by the run\n`);
  return { code: anyOk ? 0 : 1, report, files };
};
