import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import type { ZukoFlowName } from '@bijective/interop';
import type { DatasetName } from './reference.js';

/**
 * What the app measures: throughput, trained log-likelihood, wasm throughput
 * inside Chromium, or MAF → IAF distillation (log-likelihood gap and sampling speed-up).
 */
export type Mode = 'speed' | 'quality' | 'browser' | 'distill';
/** A bundle of defaults: `quick` fits the 3-minute budget on 2 cores, `full` is the complete protocol. */
export type PresetName = 'quick' | 'full';
/** A timed operation of the speed matrix. */
export type Op = 'train' | 'logProb' | 'sample';
/** A backend the app knows how to load. */
export type BackendName = 'cpu' | 'wasm' | 'native' | 'tensorflow';

/** The modes, in display order. */
export const MODES: readonly Mode[] = ['speed', 'quality', 'browser', 'distill'];
/** The presets, quick first (the default). */
export const PRESETS: readonly PresetName[] = ['quick', 'full'];
/** The timed operations of the speed matrix. */
export const OPS: readonly Op[] = ['train', 'logProb', 'sample'];
/** The backends the app can load, in display order. */
export const BACKENDS: readonly BackendName[] = ['cpu', 'wasm', 'native', 'tensorflow'];
/** The zuko classes `--zuko` names (what `fromZuko` of `@bijective/interop` reads). */
export const ZUKO_FLOWS: readonly ZukoFlowName[] = ['MAF', 'RealNVP', 'NSF'];
/** The bundled data sets of the quality mode. */
export const DATASETS: readonly DatasetName[] = [
  'moons',
  '8gaussians',
  'checkerboard',
  'pinwheel',
  '2spirals',
  'digits',
];

/** The fully resolved options of one benchmark run (preset defaults overridden by flags). */
export interface BenchOptions {
  readonly mode: Mode;
  readonly preset: PresetName;
  /** Flow names (`maf`, `coupling/realNVP`) or `['all']`; `['default']` means the mode's default selection. */
  readonly flows: readonly string[];
  readonly backends: readonly BackendName[];
  readonly ops: readonly Op[];
  /** Data dimensions of the speed matrix (one matrix per dim). */
  readonly dims: readonly number[];
  /** Hidden layer widths; `undefined` picks RESULTS.md's: [64, 64] below dim 32, [128, 128] from dim 32. */
  readonly hidden: readonly number[] | undefined;
  readonly transforms: number;
  /** Batch of a training step. */
  readonly batch: number;
  /** Batch of log-prob and sample. */
  readonly evalBatch: number;
  /** Timed repetitions per cell (at most; see `cellSeconds`). */
  readonly reps: number;
  /** Untimed warm-up calls per cell. */
  readonly warmup: number;
  /** Stop repeating a cell once its timed runs took this long (after at least 3 runs). */
  readonly cellSeconds: number;
  /** speed/browser: wall-clock cap of the whole matrix; quality/distill: cap of each training run (teacher and student). */
  readonly budgetSeconds: number | undefined;
  readonly datasets: readonly DatasetName[];
  readonly maxEpochs: number;
  /** quality: cap on Adam steps per training run (default none). */
  readonly maxSteps: number | undefined;
  /** distill: Adam steps of the distillation (quick 100, full 10000). */
  readonly distillSteps: number;
  /** distill: α of the student's loss `(1 − α)·KL(q‖p) + α·KL(p‖q)` (default 1: the forward KL alone; 0: the published reverse KL). */
  readonly forwardWeight: number;
  /** quality/distill: the backend to train on; `undefined` picks by preference (quality: native first; distill: wasm first). */
  readonly trainBackend: BackendName | undefined;
  readonly seed: number;
  /**
   * quality: train each (flow, data set) once per seed and report the mean
   * [min, max] over seeds, as RESULTS.md does; `undefined` trains once, with `seed`.
   */
  readonly seeds: readonly number[] | undefined;
  readonly out: string;
  readonly chromium: string;
  readonly progress: boolean;
  /**
   * speed: a zuko flow's `state_dict` saved as safetensors (`safetensors.torch.save_file`),
   * timed with its own parameters and sizes next to the presets; needs {@link BenchOptions.zuko}.
   */
  readonly model: string | undefined;
  /** The zuko class that wrote `model` (`zuko.flows.MAF`, `RealNVP` or `NSF`). */
  readonly zuko: ZukoFlowName | undefined;
}

/** The result of parsing argv: either help was asked for, or a run. */
export type ParsedArgs =
  | { readonly kind: 'help' }
  | { readonly kind: 'list'; readonly options: BenchOptions }
  | { readonly kind: 'run'; readonly options: BenchOptions };

/** A command-line mistake: printed with a hint, exit code 2. */
export interface UsageError {
  readonly kind: 'UsageError';
  readonly message: string;
}

const usage = (message: string): UsageError => ({ kind: 'UsageError', message });

type Overrides = { -readonly [K in keyof BenchOptions]?: BenchOptions[K] };

/**
 * The defaults of each preset. `quick` is the one `pnpm bench` runs: the
 * 2-D matrix at RESULTS.md's moons sizes with few repetitions and a total
 * budget, so it ends within 3 minutes on 2 cores; `full` adds the digits
 * sizes (dim 64), more repetitions and the whole quality protocol.
 *
 * @example
 * ```ts
 * presetDefaults('quick', 'speed').reps;   // 5
 * presetDefaults('full', 'quality').datasets; // all six
 * ```
 */
export const presetDefaults = (preset: PresetName, mode: Mode): BenchOptions => {
  const quick = preset === 'quick';
  const trains = mode === 'quality' || mode === 'distill';
  if (mode === 'distill') {
    // MAF sampling at dim 64 is 64 sequential passes per layer: ~15 s per 256 draws on tfjs's
    // JavaScript cpu backend, so the distill speed part samples smaller batches than the matrix.
    return {
      ...presetDefaults(preset, 'quality'),
      mode,
      dims: [2, 64],
      evalBatch: quick ? 64 : 256,
      reps: quick ? 3 : 10,
      warmup: 1,
      cellSeconds: quick ? 0.6 : 5,
      datasets: ['moons'],
      distillSteps: quick ? 100 : 10000,
      forwardWeight: 1,
    };
  }
  return {
    mode,
    preset,
    flows: ['default'],
    backends: BACKENDS,
    ops: OPS,
    dims: quick ? [2] : [2, 64],
    hidden: undefined,
    transforms: 5,
    batch: 256,
    evalBatch: 1024,
    reps: quick ? 5 : 20,
    warmup: quick ? 1 : 3,
    cellSeconds: quick ? 0.6 : 5,
    budgetSeconds: trains ? (quick ? 15 : 900) : quick ? 120 : 3600,
    datasets: quick ? ['moons'] : DATASETS,
    maxEpochs: quick ? 3 : 1000,
    maxSteps: undefined,
    distillSteps: quick ? 100 : 10000,
    forwardWeight: 1,
    trainBackend: undefined,
    seed: 0,
    seeds: undefined,
    out: './bench-out',
    chromium: '/usr/bin/chromium',
    progress: true,
    model: undefined,
    zuko: undefined,
  };
};

/**
 * How a flag reads its value: a switch that takes none (`bool`), or a reader
 * from the raw text to the option's value with the placeholder `--help` shows.
 * `read` gets the flag's name so every message names the flag.
 */
type Kind<V> =
  | { readonly kind: 'bool'; readonly sets: V }
  | {
      readonly kind: 'integer' | 'number' | 'list' | 'enum' | 'string';
      readonly placeholder: string;
      readonly read: (flag: string, raw: string) => E.Either<UsageError, V>;
    };

/** One command-line flag: its name, the option it sets, how it reads its value, and its help. */
type Flag<K extends keyof BenchOptions> = {
  readonly name: `--${string}`;
  readonly key: K;
  readonly kind: Kind<BenchOptions[K]>;
  readonly help: string;
  /** `--help` placeholder when the kind's own (N, S, LIST, a|b|c) does not fit. */
  readonly placeholder?: string;
};

/** A flag of any option (the union over keys, so each table entry is checked against its own key). */
type AnyFlag = { [K in keyof BenchOptions]: Flag<K> }[keyof BenchOptions];

const items = (raw: string): string[] =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

const isOneOf = <T extends string>(allowed: readonly T[], raw: string): raw is T =>
  (allowed as readonly string[]).includes(raw);

const readInt = (flag: string, min: number, raw: string): E.Either<UsageError, number> => {
  const n = Number(raw);
  return /^-?\d+$/.test(raw.trim()) && Number.isSafeInteger(n) && n >= min
    ? E.right(n)
    : E.left(usage(`${flag}: expected an integer ≥ ${min}, got '${raw}'`));
};

const readChoice = <T extends string>(
  flag: string,
  allowed: readonly T[],
  raw: string,
): E.Either<UsageError, T> =>
  isOneOf(allowed, raw)
    ? E.right(raw)
    : E.left(usage(`${flag}: expected one of ${allowed.join(', ')}, got '${raw}'`));

/** An integer ≥ `min`, written in decimal digits (no `2.5`, `1e3` or blanks). */
const integer = (min: number): Kind<number> => ({
  kind: 'integer',
  placeholder: 'N',
  read: (flag, raw) => readInt(flag, min, raw),
});

/** A finite number > 0 (seconds). */
const positive: Kind<number> = {
  kind: 'number',
  placeholder: 'S',
  read: (flag, raw) => {
    const n = Number(raw);
    return raw.trim() !== '' && Number.isFinite(n) && n > 0
      ? E.right(n)
      : E.left(usage(`${flag}: expected a positive number, got '${raw}'`));
  },
};

/** A number in [0, 1] (a weight of a convex combination). */
const unitInterval: Kind<number> = {
  kind: 'number',
  placeholder: 'W',
  read: (flag, raw) => {
    const n = Number(raw);
    return raw.trim() !== '' && n >= 0 && n <= 1
      ? E.right(n)
      : E.left(usage(`${flag}: expected a number in [0, 1], got '${raw}'`));
  },
};

/** A non-empty comma-separated list of integers ≥ `min`; given `distinct` (the items' noun), repeats are an error. */
const integers = (min: number, distinct?: string): Kind<readonly number[]> => ({
  kind: 'list',
  placeholder: 'N[,N…]',
  read: (flag, raw) => {
    const xs = items(raw);
    if (xs.length === 0)
      return E.left(usage(`${flag}: expected a comma-separated list of integers, got '${raw}'`));
    return pipe(
      xs,
      E.traverseArray((x) => readInt(flag, min, x)),
      E.filterOrElse(
        (ns) => distinct === undefined || new Set(ns).size === ns.length,
        () => usage(`${flag}: expected distinct ${distinct ?? ''}, got '${raw}'`),
      ),
    );
  },
});

/** A non-empty comma-separated list of free names (flows). */
const names: Kind<readonly string[]> = {
  kind: 'list',
  placeholder: 'LIST',
  read: (flag, raw) =>
    items(raw).length === 0
      ? E.left(usage(`${flag}: expected a comma-separated list of names`))
      : E.right(items(raw)),
};

/** One of `allowed`. */
const oneOf = <T extends string>(allowed: readonly T[]): Kind<T> => ({
  kind: 'enum',
  placeholder: allowed.join('|'),
  read: (flag, raw) => readChoice(flag, allowed, raw),
});

/** A comma-separated list of `allowed` (repeats dropped, first order kept), or `all` for every one. */
const someOf = <T extends string>(allowed: readonly T[]): Kind<readonly T[]> => ({
  kind: 'list',
  placeholder: 'LIST',
  read: (flag, raw) => {
    const xs = items(raw);
    if (xs.length === 1 && xs[0] === 'all') return E.right([...allowed]);
    if (xs.length === 0)
      return E.left(
        usage(`${flag}: expected a comma-separated list of ${allowed.join(', ')} (or 'all')`),
      );
    return pipe(
      xs,
      E.traverseArray((x) => readChoice(flag, allowed, x)),
      E.map((cs) => [...new Set(cs)]),
    );
  },
});

/** Any non-empty text; `what` is the message's noun ('a folder'). */
const text = (what: string, placeholder: string): Kind<string> => ({
  kind: 'string',
  placeholder,
  read: (flag, raw) => (raw === '' ? E.left(usage(`${flag}: expected ${what}`)) : E.right(raw)),
});

/** A switch without a value that sets the option to `sets`. */
const bool = <V>(sets: V): Kind<V> => ({ kind: 'bool', sets });

/** Every flag, in `--help` order. Adding a flag is adding one entry here (and its key to {@link BenchOptions}). */
const FLAGS: readonly AnyFlag[] = [
  {
    name: '--mode',
    key: 'mode',
    kind: oneOf(MODES),
    help: 'what to measure (default speed)',
  },
  {
    name: '--preset',
    key: 'preset',
    kind: oneOf(PRESETS),
    help: 'bundle of defaults (default quick: under 3 minutes on 2 cores)',
  },
  {
    name: '--flows',
    key: 'flows',
    kind: names,
    help: "presets by name (maf, realNVP) or package/name (coupling/glow); 'all' = every preset. Default: all in speed mode, the ones with a reference (MAF, RealNVP, NSF, FFJORD, flow matching) in quality mode",
  },
  {
    name: '--backends',
    key: 'backends',
    kind: someOf(BACKENDS),
    help: "cpu,wasm,native,tensorflow or 'all' (default all; missing ones are reported and skipped; quality uses the first available)",
  },
  {
    name: '--ops',
    key: 'ops',
    kind: someOf(OPS),
    help: "train,logProb,sample or 'all' (train = forward + backward + Adam)",
  },
  {
    name: '--dim',
    key: 'dims',
    kind: integers(1),
    help: 'data dimension(s) of the speed matrix (quick: 2; full: 2,64)',
  },
  {
    name: '--hidden',
    key: 'hidden',
    kind: integers(1),
    help: 'hidden layer widths (default [64,64] below dim 32, [128,128] from 32, as RESULTS.md)',
  },
  {
    name: '--transforms',
    key: 'transforms',
    kind: integer(1),
    help: 'number of transforms per flow (default 5)',
  },
  {
    name: '--batch',
    key: 'batch',
    kind: integer(1),
    help: 'batch of a training step (default 256)',
  },
  {
    name: '--eval-batch',
    key: 'evalBatch',
    kind: integer(1),
    help: 'batch of logProb and sample (default 1024)',
  },
  {
    name: '--reps',
    key: 'reps',
    kind: integer(1),
    help: 'timed repetitions per cell, at most (quick 5, full 20)',
  },
  {
    name: '--warmup',
    key: 'warmup',
    kind: integer(0),
    help: 'untimed warm-up calls per cell (quick 1, full 3)',
  },
  {
    name: '--cell-seconds',
    key: 'cellSeconds',
    kind: positive,
    help: 'stop repeating a cell after S seconds of timed runs, once 3 ran (quick 0.6, full 5)',
  },
  {
    name: '--budget-seconds',
    key: 'budgetSeconds',
    kind: positive,
    help: 'speed/browser: cap on the whole matrix (quick 120, full 3600); quality/distill: cap on each training run (quick 15, full 900)',
  },
  {
    name: '--datasets',
    key: 'datasets',
    kind: someOf(DATASETS),
    help: "quality: moons,8gaussians,checkerboard,pinwheel,2spirals,digits or 'all' (quick: moons)",
  },
  {
    name: '--max-epochs',
    key: 'maxEpochs',
    kind: integer(1),
    help: 'quality, distill teacher: cap on epochs per training run (quick 3, full 1000)',
  },
  {
    name: '--max-steps',
    key: 'maxSteps',
    kind: integer(1),
    help: 'quality, distill teacher: cap on Adam steps per training run (default none)',
  },
  {
    name: '--distill-steps',
    key: 'distillSteps',
    kind: integer(1),
    help: 'distill: Adam steps of the distillation (reverse + forward KL) of the IAF student (quick 100, full 10000)',
  },
  {
    name: '--forward-weight',
    key: 'forwardWeight',
    kind: unitInterval,
    help: "distill: α of the student's loss (1 − α)·KL(q‖p) + α·KL(p‖q) (default 1, the forward KL alone; 0, the published reverse KL)",
  },
  {
    name: '--train-backend',
    key: 'trainBackend',
    kind: oneOf(BACKENDS),
    placeholder: 'NAME',
    help: 'quality/distill: backend to train on, cpu|wasm|native|tensorflow (default: quality the first available of native, tensorflow, wasm, cpu among --backends; distill the first of wasm, native, cpu)',
  },
  {
    name: '--seed',
    key: 'seed',
    kind: integer(0),
    help: 'seed of initialisation, data and shuffling (default 0)',
  },
  {
    name: '--seeds',
    key: 'seeds',
    kind: integers(0, 'seeds'),
    placeholder: 'N,N…',
    help: 'quality: train each flow on each data set once per seed and report the mean [min, max] over seeds, as RESULTS.md (e.g. 0,1,2; default: one run with --seed)',
  },
  {
    name: '--out',
    key: 'out',
    kind: text('a folder', 'DIR'),
    help: 'output folder for report.json, report.md, report.html and pictures (default ./bench-out)',
  },
  {
    name: '--chromium',
    key: 'chromium',
    kind: text('a path', 'PATH'),
    help: 'browser mode: Chromium executable (default /usr/bin/chromium)',
  },
  {
    name: '--model',
    key: 'model',
    kind: text('a path', 'PATH'),
    help: "speed: also time a trained zuko flow saved with safetensors.torch.save_file(flow.state_dict(), PATH), with its own parameters and sizes, on every backend (needs --zuko; without --flows only this model's rows run)",
  },
  {
    name: '--zuko',
    key: 'zuko',
    kind: oneOf(ZUKO_FLOWS),
    help: 'the zuko class that wrote --model: MAF, RealNVP or NSF',
  },
  {
    name: '--no-progress',
    key: 'progress',
    kind: bool(false),
    help: 'no live progress on stderr',
  },
];

const FLAG_BY_NAME: ReadonlyMap<string, AnyFlag> = new Map(FLAGS.map((f) => [f.name, f]));

/** `--name PLACEHOLDER` as `--help` and the missing-value message show it (a switch: just `--name`). */
const synopsis = <K extends keyof BenchOptions>(flag: Flag<K>): string =>
  flag.kind.kind === 'bool'
    ? flag.name
    : `${flag.name} ${flag.placeholder ?? flag.kind.placeholder}`;

/**
 * The one generic step of {@link parseArgs}: read `raw` (`undefined` for a
 * switch given alone) with the flag's kind and store it under the flag's key.
 */
const apply = <K extends keyof BenchOptions>(
  flag: Flag<K>,
  raw: string | undefined,
  o: Overrides,
): E.Either<UsageError, void> => {
  const { kind } = flag;
  const value =
    kind.kind === 'bool'
      ? raw === undefined
        ? E.right(kind.sets)
        : E.left(usage(`${flag.name} takes no value`))
      : raw === undefined
        ? E.left(usage(`${flag.name} needs a value: ${synopsis(flag)}`))
        : kind.read(flag.name, raw);
  if (E.isLeft(value)) return value;
  o[flag.key] = value.right;
  return E.right(undefined);
};

/**
 * `--help` text: every flag with its meaning and default.
 *
 * @example
 * ```ts
 * process.stdout.write(`${helpText()}\n`);
 * ```
 */
export const helpText = (): string => {
  const rows = [
    ...FLAGS.map((flag) => [synopsis(flag), flag.help] as const),
    [
      '--list',
      'list the flows and backends found (and why others are missing), then exit',
    ] as const,
    ['-h, --help', 'show this help'] as const,
  ];
  const width = Math.max(...rows.map(([f]) => f.length)) + 2;
  return [
    'bijective-bench: throughput, log-likelihood and pictures of bijective flows on every backend.',
    '',
    'Usage: bijective-bench [--mode speed|quality|browser|distill] [--preset quick|full] [flags]',
    '',
    'Modes:',
    '  speed    flows x backends x operations (train step, logProb, sample): median time, IQR, samples/s,',
    '           a GEMM row (512x256 @ 256x256, GFLOP/s), tensor leaks, zuko reference column and ratio.',
    '  quality  trains each flow on the bundled data sets (Adam 1e-3, batch 256, early stopping on val)',
    '           and reports test log-likelihood ± standard error (with --seeds: mean [min, max] over',
    '           seeds) next to RESULTS.md, with pictures.',
    '  browser  the wasm rows inside headless Chromium on a cross-origin-isolated localhost page.',
    '  distill  trains a MAF teacher on moons (quality protocol), distils an IAF student of the same size',
    '           by reverse + forward KL, reports both test log-likelihoods, the gap (PASS if >= -0.1 nats), and',
    '           the IAF/MAF sampling speed-up at dim 2 and 64 on every backend (PASS if >= 20x at dim 64).',
    '',
    'Flags:',
    ...rows.map(([f, h]) => `  ${f.padEnd(width)}${h}`),
    '',
    'Output: a Markdown table on stdout, progress on stderr, report.{json,md,html} in --out.',
    'Exit codes: 0 success, 1 a run failed, 2 bad command line.',
  ].join('\n');
};

/**
 * Parse argv (without `node` and the script) into {@link BenchOptions}:
 * `--flag value` or `--flag=value`; preset defaults first, then the flags in
 * any order. A bare `--` (as `pnpm bench -- …` passes through) is ignored.
 * Unknown flags, missing values and impossible values are a `Left` with a
 * message that names the flag.
 *
 * @example
 * ```ts
 * const r = parseArgs(['--mode', 'quality', '--datasets=moons,digits', '--max-epochs', '5']);
 * if (E.isRight(r) && r.right.kind === 'run') r.right.options.datasets; // ['moons', 'digits']
 * parseArgs(['--reps', '0']); // Left({ message: "--reps: expected an integer ≥ 1, got '0'" })
 * ```
 */
export const parseArgs = (argv: readonly string[]): E.Either<UsageError, ParsedArgs> => {
  const o: Overrides = {};
  let list = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') continue;
    if (arg === '-h' || arg === '--help') return E.right({ kind: 'help' });
    if (arg === '--list') {
      list = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const flag = FLAG_BY_NAME.get(name);
    if (flag === undefined) {
      return E.left(
        usage(
          arg.startsWith('-')
            ? `unknown flag '${name}' (see --help)`
            : `unexpected argument '${arg}' (flags start with --; see --help)`,
        ),
      );
    }
    let raw: string | undefined;
    if (name !== arg) raw = arg.slice(eq + 1);
    else if (flag.kind.kind !== 'bool') {
      // The next word is the value unless it is another flag (`--x`); a bare `-` or `--` is a value.
      const next = argv[i + 1];
      if (next !== undefined && !(next.startsWith('--') && next.length > 2)) {
        raw = next;
        i++;
      }
    }
    const r = apply(flag, raw, o);
    if (E.isLeft(r)) return r;
  }
  const base = presetDefaults(o.preset ?? 'quick', o.mode ?? 'speed');
  const options: BenchOptions = { ...base, ...o };
  if (
    options.mode === 'browser' &&
    options.backends.length > 0 &&
    !options.backends.includes('wasm')
  ) {
    return E.left(
      usage("--mode browser runs only the wasm backend; leave out --backends or include 'wasm'"),
    );
  }
  if (o.seeds !== undefined && options.mode !== 'quality')
    return E.left(usage('--seeds applies to --mode quality only; use --seed N'));
  if (o.seeds !== undefined && o.seed !== undefined)
    return E.left(usage('give either --seed or --seeds, not both'));
  if (options.mode === 'distill' && o.flows !== undefined)
    return E.left(
      usage(
        '--mode distill always trains autoregressive/maf and distils autoregressive/iaf; leave out --flows',
      ),
    );
  if (
    options.mode === 'distill' &&
    !(options.datasets.length === 1 && options.datasets[0] === 'moons')
  )
    return E.left(usage('--mode distill runs on moons only; leave out --datasets'));
  if (options.model !== undefined && options.zuko === undefined)
    return E.left(
      usage(`--model needs --zuko ${ZUKO_FLOWS.join('|')}: the zuko class that wrote the file`),
    );
  if (options.zuko !== undefined && options.model === undefined)
    return E.left(usage('--zuko names the class of a --model file; give --model PATH too'));
  if (options.model !== undefined && options.mode !== 'speed')
    return E.left(usage('--model applies to --mode speed only'));
  return E.right({ kind: list ? 'list' : 'run', options });
};
