import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import type { Op } from './args.js';
import type { FlowSize } from './flows.js';
import { type PlannedCell, batchOf } from './speed.js';
import {
  type ReferenceLookup,
  type ReferenceModel,
  referenceDataset,
  STORED_ORIGIN,
  storedReference,
} from './reference.js';
import { summarize } from './stats.js';
import type { TimingOptions } from './timing.js';

export interface ZukoCellResult extends ZukoCellRequest {
  readonly params?: number;
  readonly seconds?: readonly number[];
  readonly calls?: number;
  readonly error?: string;
}

/** What `scripts/zuko_speed.py` reports, and the interpreter that ran it. */
export interface ZukoLiveRun {
  readonly zuko: string;
  readonly torch: string;
  readonly threads: number;
  readonly python: string;
  readonly cells: readonly ZukoCellResult[];
  readonly interpreter: string;
}

export const ZUKO_SCRIPT = fileURLToPath(new URL('../scripts/zuko_speed.py', import.meta.url));

const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && Number(x) >= 0;
const isList = <T>(x: unknown, item: (v: unknown) => v is T): x is T[] =>
  Array.isArray(x) && x.every(item);
const isOneOf =
  <T extends string>(...values: readonly T[]) =>
  (x: unknown): x is T =>
    values.some((v) => v === x);
const isModel = isOneOf<ReferenceModel>('MAF', 'RealNVP', 'NSF');
const isOp = isOneOf<Op>('train', 'logProb', 'sample');
const isPositive = (s: unknown): s is number => typeof s === 'number' && s > 0 && s < Infinity;
type Json = Readonly<Record<string, unknown>>;
const isObject = (x: unknown): x is Json =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

const cellOf = (x: unknown): ZukoCellResult | string => {
  if (!isObject(x)) return 'a cell is not an object';
  const { model, op, dim, hidden, transforms, batch, params, seconds, calls, error } = x;
  if (!isModel(model)) return `unknown model ${String(model)}`;
  if (!isOp(op)) return `unknown op ${String(op)}`;
  if (!isCount(dim) || !isCount(transforms) || !isCount(batch)) return 'bad cell sizes';
  if (!isList(hidden, isCount)) return 'bad hidden widths';
  const request = { model, op, dim, hidden, transforms, batch };
  if (typeof error === 'string') return { ...request, error };
  if (!isCount(params) || !isCount(calls)) return 'a timed cell lacks params or calls';
  if (!isList(seconds, isPositive) || seconds.length === 0)
    return 'a timed cell has no positive finite seconds';
  return { ...request, params, seconds, calls };
};

/**
 * Read the JSON line `scripts/zuko_speed.py` prints: `{zuko, torch, threads, python, cells}`, or
 * `{error}` when torch or zuko did not import. Anything else is a `Left` with the reason.
 */
export const parseZukoOutput = (
  text: string,
): E.Either<string, Omit<ZukoLiveRun, 'interpreter'>> => {
  let x: unknown;
  try {
    x = JSON.parse(text.trim().split('\n').pop() ?? '');
  } catch {
    return E.left(`not JSON: ${text.trim().slice(0, 200) || '(no output)'}`);
  }
  if (!isObject(x)) return E.left('not a JSON object');
  if (typeof x['error'] === 'string') return E.left(x['error']);
  const { zuko, torch, threads, python, cells } = x;
  if (typeof zuko !== 'string' || typeof torch !== 'string' || typeof python !== 'string')
    return E.left('missing zuko, torch or python version');
  if (!isCount(threads)) return E.left('missing thread count');
  if (!Array.isArray(cells)) return E.left('missing cells');
  const parsed = cells.map(cellOf);
  const bad = parsed.find((c) => typeof c === 'string');
  const ok = parsed.filter((c) => typeof c !== 'string');
  return bad === undefined ? E.right({ zuko, torch, threads, python, cells: ok }) : E.left(bad);
};

/** Interpreters to try: `BIJECTIVE_PYTHON`, `/usr/bin/python3` (Debian's torch), `python3`. */
export const pythonCandidates = (env: NodeJS.ProcessEnv): string[] =>
  [env['BIJECTIVE_PYTHON'], '/usr/bin/python3', 'python3'].filter(
    (p, i, all): p is string => p !== undefined && p !== '' && all.indexOf(p) === i,
  );

/** Run `python script` with `input` on stdin (BLAS and OpenMP at one thread): stdout or why not. */
const runPython = (
  python: string,
  script: string,
  input: string,
  env: NodeJS.ProcessEnv,
  timeout = 30 * 60 * 1000,
): Promise<E.Either<string, string>> =>
  new Promise((resolve) => {
    const threads = { OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
    const killSignal = 'SIGKILL' as const;
    const options = { env: { ...env, ...threads }, timeout, killSignal, maxBuffer: 2 ** 26 };
    const child = execFile(python, [script], options, (error, out, err) => {
      if (error?.killed === true) resolve(E.left(`timed out after ${timeout / 1000} s`));
      else if (error === null || out.trim() !== '') resolve(E.right(out));
      else if (typeof error.code !== 'number') resolve(E.left(error.message));
      else resolve(E.left(`exit status ${error.code}: ${err.trim().split('\n').pop() ?? ''}`));
    });
    child.stdin?.on('error', () => undefined); // a child that exits at once closes its stdin
    child.stdin?.end(input);
  });

/** Where zuko runs (defaults: {@link pythonCandidates}, {@link ZUKO_SCRIPT}, `process.env`). */
export interface ZukoLiveOptions {
  readonly pythons?: readonly string[];
  readonly script?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** Time zuko at the cells in a python subprocess (JSON in and out; PyTorch at 2 threads). */
const runZukoLive = async (
  cells: readonly ZukoCellRequest[],
  timing: TimingOptions,
  seed: number,
  options: ZukoLiveOptions,
): Promise<E.Either<string, ZukoLiveRun>> => {
  const { warmup, reps, maxSeconds, minReps = 3 } = timing;
  const input = JSON.stringify({ cells, warmup, reps, maxSeconds, minReps, seed, threads: 2 });
  const attempts: string[] = [];
  const {
    pythons = pythonCandidates(process.env),
    script = ZUKO_SCRIPT,
    env = process.env,
  } = options;
  for (const python of pythons) {
    const out = await runPython(python, script, input, env);
    const parsed = E.chain(parseZukoOutput)(out);
    if (E.isRight(parsed)) return E.right({ ...parsed.right, interpreter: python });
    attempts.push(`${python}: ${parsed.left}`);
  }
  return E.left(attempts.join('; ') || 'no python interpreter to try');
};

const keyOf = (
  c: FlowSize & { readonly model: string; readonly op: string; readonly batch: number },
) => `${c.model}|${c.op}|${c.dim}|${c.hidden.join(',')}|${c.transforms}|${c.batch}`;

/** The zuko cells a matrix needs, each once (a loaded `--model` is not timed in zuko again). */
export const zukoCellsFor = (cells: readonly PlannedCell[]) => {
  const wanted = cells.flatMap(({ entry, op, size }) => {
    const model = entry.reference;
    if (!isModel(model) || entry.load !== undefined) return [];
    const { dim, hidden, transforms } = size;
    return [{ model, op, dim, hidden, transforms, batch: batchOf(op, size) }];
  });
  return [...new Map(wanted.map((c) => [keyOf(c), c] as const)).values()];
};
/** One zuko cell to time: a model at the bench's sizes and one operation's batch. */
export type ZukoCellRequest = ReturnType<typeof zukoCellsFor>[number];

/** A lookup from a live run only: no stored figure from another machine fills its gaps. */
export const liveReference =
  (run: ZukoLiveRun): ReferenceLookup =>
  (model, op, size) => {
    const want = keyOf({ ...size, model: model ?? '', op });
    const cell = run.cells.find((c) => keyOf(c) === want);
    if (cell?.seconds === undefined || cell.seconds.length === 0) return undefined;
    const dataset = referenceDataset(size);
    return {
      ...(dataset === undefined ? {} : { dataset }),
      model: cell.model,
      samplesPerSecond: cell.batch / summarize(cell.seconds).median,
      source: 'live',
      origin: `zuko ${run.zuko}, PyTorch ${run.torch}, ${run.threads} threads, timed in this run`,
    };
  };

/** How the speed report's zuko column was obtained (kept in report.json). */
export interface ZukoReferenceInfo {
  readonly source: 'live' | 'stored' | 'off';
  readonly origin: string;
  /** Why the figures are stored ones under `auto`. */
  readonly reason?: string;
  readonly cells?: readonly ZukoCellResult[];
}

/**
 * The zuko column for `--zuko-live`: `auto`/`on` time zuko live (never downloading); without a
 * usable python `auto` falls back to the stored figures, saying why, and `on` is a `Left`.
 */
export const zukoReferenceFor = async (
  mode: 'auto' | 'on' | 'off',
  cells: readonly ZukoCellRequest[],
  timing: TimingOptions,
  seed: number,
  options: ZukoLiveOptions = {},
): Promise<
  E.Either<string, { readonly lookup: ReferenceLookup; readonly info: ZukoReferenceInfo }>
> => {
  const stored = (source: 'stored' | 'off', reason?: string) =>
    E.right({
      lookup: storedReference,
      info: { source, origin: STORED_ORIGIN, ...(reason === undefined ? {} : { reason }) },
    });
  if (mode === 'off') return stored('off');
  if (cells.length === 0) return stored('stored', 'no MAF, RealNVP or NSF cell to time');
  const run = await runZukoLive(cells, timing, seed, options);
  if (E.isLeft(run)) {
    const why = `live zuko unavailable (${run.left})`;
    return mode === 'on' ? E.left(`--zuko-live on: ${why}`) : stored('stored', why);
  }
  const r = run.right;
  return E.right({
    lookup: liveReference(r),
    info: {
      source: 'live',
      origin: `zuko ${r.zuko}, PyTorch ${r.torch} (${r.interpreter}, Python ${r.python}), ${r.threads} threads, BLAS 1 thread, timed in this run`,
      cells: r.cells,
    },
  });
};
