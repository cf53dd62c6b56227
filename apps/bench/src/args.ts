import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { type ParseArgsConfig, parseArgs as tokenize } from 'node:util';
import type { ZukoFlowName } from '@bijective/interop';
import type { DatasetName } from './reference.js';

const MODES = ['speed', 'quality', 'browser', 'distill'] as const;
const PRESETS = ['quick', 'full'] as const;
const ZUKO_LIVE_MODES = ['auto', 'on', 'off'] as const;
const ZUKO_FLOWS: readonly ZukoFlowName[] = ['MAF', 'RealNVP', 'NSF'];
const DATASETS = ['moons', '8gaussians', 'checkerboard', 'pinwheel', '2spirals', 'digits'] as const;

/** What the app measures: speed, trained log-likelihood, wasm in Chromium, MAF → IAF distilling. */
export type Mode = (typeof MODES)[number];
/** A bundle of defaults: `quick` fits 3 minutes on 2 cores, `full` is the complete protocol. */
export type PresetName = (typeof PRESETS)[number];
/** `--zuko-live`: time zuko in the run (`on`), if it imports (`auto`), or use stored figures. */
export type ZukoLiveMode = (typeof ZUKO_LIVE_MODES)[number];
export type Op = 'train' | 'logProb' | 'sample';
export type BackendName = 'cpu' | 'wasm' | 'native' | 'tensorflow';
export const OPS: readonly Op[] = ['train', 'logProb', 'sample'];
export const BACKENDS: readonly BackendName[] = ['cpu', 'wasm', 'native', 'tensorflow'];

/** The resolved options of a run: one field per row of the flag table, typed by its reader. */
export type BenchOptions = { readonly [K in keyof typeof ROWS]: ValueOf<(typeof ROWS)[K]> };

export type ParsedArgs =
  | { readonly kind: 'help' }
  | { readonly kind: 'list'; readonly options: BenchOptions }
  | { readonly kind: 'run'; readonly options: BenchOptions };

/** A command-line mistake: printed with a hint, exit code 2. */
export type UsageError = { readonly kind: 'UsageError'; readonly message: string };

const usage = (message: string): UsageError => ({ kind: 'UsageError', message });

type Overrides = { -readonly [K in keyof BenchOptions]?: BenchOptions[K] };

type Context = { readonly quick: boolean; readonly mode: Mode };

type Read<V> = (flag: string, raw: string) => E.Either<UsageError, V>;

/** How a flag takes its value: text read by `read` (shown as `placeholder`), or none (a switch). */
type Kind<V> = { readonly placeholder: string | undefined; readonly read: Read<V> };

interface Row<V> extends Kind<V> {
  readonly name: `--${string}`;
  readonly help: string;
  readonly initial: (c: Context) => V;
}

type ValueOf<R> = R extends Row<infer V> ? V : never;

const row = <V>(name: `--${string}`, kind: Kind<V>, help: string, initial: (c: Context) => V) =>
  ({ name, ...kind, help, initial }) satisfies Row<V>;

const quickFull =
  <V>(quick: V, full: V) =>
  (c: Context): V =>
    c.quick ? quick : full;
const none = (): undefined => undefined;

const check = <V>(good: boolean, value: V, message: string): E.Either<UsageError, V> =>
  good ? E.right(value) : E.left(usage(message));

const items = (raw: string): string[] =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

const readChoice = <T extends string>(flag: string, allowed: readonly T[], raw: string) => {
  const found = allowed.find((a) => a === raw);
  return found === undefined
    ? E.left(usage(`${flag}: expected one of ${allowed.join(', ')}, got '${raw}'`))
    : E.right(found);
};

const takes = <V>(placeholder: string, read: Read<V>): Kind<V> => ({ placeholder, read });
const maybe = <V>(kind: Kind<V>): Kind<V | undefined> => kind;

const numeric = (
  placeholder: string,
  expected: string,
  good: (n: number, raw: string) => boolean,
) =>
  takes(placeholder, (flag, raw) =>
    check(
      raw.trim() !== '' && good(Number(raw), raw),
      Number(raw),
      `${flag}: expected ${expected}, got '${raw}'`,
    ),
  );

/** An integer ≥ `min` in decimal digits (no `2.5`, `1e3` or blanks). */
const integer = (min: number) =>
  numeric(
    'N',
    `an integer ≥ ${min}`,
    (n, raw) => /^-?\d+$/.test(raw.trim()) && Number.isSafeInteger(n) && n >= min,
  );

const positive = numeric('S', 'a positive number', (n) => Number.isFinite(n) && n > 0);

/** A non-empty list of integers ≥ `min`; with `distinct` (the items' noun) repeats are an error. */
const integers = (min: number, placeholder = 'N[,N…]', distinct?: string) =>
  takes<readonly number[]>(placeholder, (flag, raw) =>
    items(raw).length === 0
      ? E.left(usage(`${flag}: expected a comma-separated list of integers, got '${raw}'`))
      : pipe(
          items(raw),
          E.traverseArray((x) => integer(min).read(flag, x)),
          E.filterOrElse(
            (ns) => distinct === undefined || new Set(ns).size === ns.length,
            () => usage(`${flag}: expected distinct ${distinct ?? ''}, got '${raw}'`),
          ),
        ),
  );

const oneOf = <T extends string>(allowed: readonly T[], placeholder = allowed.join('|')) =>
  takes(placeholder, (flag, raw) => readChoice(flag, allowed, raw));

/** A list of `allowed` (repeats dropped), or `all`. */
const someOf = <T extends string>(allowed: readonly T[]) =>
  takes<readonly T[]>('LIST', (flag, raw) => {
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
  });

const text = (what: string, placeholder: string) =>
  takes(placeholder, (flag, raw) => check(raw !== '', raw, `${flag}: expected ${what}`));

const trains = ({ mode }: Context) => mode === 'quality' || mode === 'distill';
const distill = ({ mode }: Context) => mode === 'distill';

/** The flag table in `--help` order: the options' types, parsing, help text and defaults. */
const ROWS = {
  mode: row('--mode', oneOf(MODES), 'what to measure (default speed)', (c) => c.mode),
  preset: row(
    '--preset',
    oneOf(PRESETS),
    'bundle of defaults (default quick: under 3 minutes on 2 cores)',
    quickFull<PresetName>('quick', 'full'),
  ),
  flows: row(
    '--flows',
    takes<readonly string[]>('LIST', (flag, raw) =>
      check(items(raw).length > 0, items(raw), `${flag}: expected a comma-separated list of names`),
    ),
    "presets by name (maf, realNVP) or package/name (coupling/glow); 'all' = every preset. Default: all in speed mode, the ones with a reference (MAF, RealNVP, NSF, FFJORD, flow matching) in quality mode",
    () => ['default'],
  ),
  backends: row(
    '--backends',
    someOf(BACKENDS),
    "cpu,wasm,native,tensorflow or 'all' (default all; missing ones are reported and skipped; quality uses the first available)",
    () => BACKENDS,
  ),
  ops: row(
    '--ops',
    someOf(OPS),
    "train,logProb,sample or 'all' (train = forward + backward + Adam)",
    () => OPS,
  ),
  dims: row(
    '--dim',
    integers(1),
    'data dimension(s) of the speed matrix (quick: 2; full: 2,64)',
    // MAF sampling at dim 64 is 64 sequential passes per layer: distill times it at both sizes.
    (c) => (distill(c) || !c.quick ? [2, 64] : [2]),
  ),
  hidden: row(
    '--hidden',
    maybe(integers(1)),
    'hidden layer widths (default [64,64] below dim 32, [128,128] from 32, as RESULTS.md)',
    none,
  ),
  transforms: row('--transforms', integer(1), 'number of transforms per flow (default 5)', () => 5),
  batch: row('--batch', integer(1), 'batch of a training step (default 256)', () => 256),
  evalBatch: row(
    '--eval-batch',
    integer(1),
    'batch of logProb and sample (default 1024)',
    // ~15 s per 256 MAF draws at dim 64 on the JavaScript cpu backend: distill samples less.
    (c) => (distill(c) ? quickFull(64, 256)(c) : 1024),
  ),
  reps: row('--reps', integer(1), 'timed repetitions per cell, at most (quick 5, full 20)', (c) =>
    (distill(c) ? quickFull(3, 10) : quickFull(5, 20))(c),
  ),
  warmup: row('--warmup', integer(0), 'untimed warm-up calls per cell (quick 1, full 3)', (c) =>
    distill(c) ? 1 : quickFull(1, 3)(c),
  ),
  cellSeconds: row(
    '--cell-seconds',
    positive,
    'stop repeating a cell after S seconds of timed runs, once 3 ran (quick 0.6, full 5)',
    quickFull(0.6, 5),
  ),
  budgetSeconds: row(
    '--budget-seconds',
    maybe(positive),
    'speed/browser: cap on the whole matrix (quick 120, full 3600); quality/distill: cap on each training run (quick 15, full 900)',
    (c) => (trains(c) ? quickFull(15, 900) : quickFull(120, 3600))(c),
  ),
  datasets: row(
    '--datasets',
    someOf(DATASETS),
    "quality: moons,8gaussians,checkerboard,pinwheel,2spirals,digits or 'all' (quick: moons)",
    (c): readonly DatasetName[] => (distill(c) || c.quick ? ['moons'] : DATASETS),
  ),
  maxEpochs: row(
    '--max-epochs',
    integer(1),
    'quality, distill teacher: cap on epochs per training run (quick 3, full 1000)',
    quickFull(3, 1000),
  ),
  maxSteps: row(
    '--max-steps',
    maybe(integer(1)),
    'quality, distill teacher: cap on Adam steps per training run (default none)',
    none,
  ),
  distillSteps: row(
    '--distill-steps',
    integer(1),
    'distill: Adam steps of the distillation (reverse + forward KL) of the IAF student (quick 100, full 10000)',
    quickFull(100, 10000),
  ),
  forwardWeight: row(
    '--forward-weight',
    numeric('W', 'a number in [0, 1]', (n) => n >= 0 && n <= 1),
    "distill: α of the student's loss (1 − α)·KL(q‖p) + α·KL(p‖q) (default 1, the forward KL alone; 0, the published reverse KL)",
    () => 1,
  ),
  trainBackend: row(
    '--train-backend',
    maybe(oneOf(BACKENDS, 'NAME')),
    'quality/distill: backend to train on, cpu|wasm|native|tensorflow (default: quality the first available of native, tensorflow, wasm, cpu among --backends; distill the first of wasm, native, cpu)',
    none,
  ),
  seed: row(
    '--seed',
    integer(0),
    'seed of initialisation, data and shuffling (default 0)',
    () => 0,
  ),
  seeds: row(
    '--seeds',
    maybe(integers(0, 'N,N…', 'seeds')),
    'quality: train each flow on each data set once per seed and report the mean [min, max] over seeds, as RESULTS.md (e.g. 0,1,2; default: one run with --seed)',
    none,
  ),
  out: row(
    '--out',
    text('a folder', 'DIR'),
    'output folder for report.json, report.md, report.html and pictures (default ./bench-out)',
    () => './bench-out',
  ),
  chromium: row(
    '--chromium',
    text('a path', 'PATH'),
    'browser mode: Chromium executable (default /usr/bin/chromium)',
    () => '/usr/bin/chromium',
  ),
  model: row(
    '--model',
    maybe(text('a path', 'PATH')),
    "speed: also time a trained zuko flow saved with safetensors.torch.save_file(flow.state_dict(), PATH), with its own parameters and sizes, on every backend (needs --zuko; without --flows only this model's rows run)",
    none,
  ),
  zuko: row(
    '--zuko',
    maybe(oneOf(ZUKO_FLOWS)),
    'the zuko class that wrote --model: MAF, RealNVP or NSF',
    none,
  ),
  zukoLive: row(
    '--zuko-live',
    oneOf(ZUKO_LIVE_MODES),
    "speed: time zuko's MAF, RealNVP and NSF at the same sizes in this run (python: $BIJECTIVE_PYTHON, /usr/bin/python3, python3; zuko from PYTHONPATH; never downloads). auto (default): live when torch and zuko import, else RESULTS.md's stored figures, labelled; on: fail without them; off: stored",
    (): ZukoLiveMode => 'auto',
  ),
  progress: row(
    '--no-progress',
    { placeholder: undefined, read: () => E.right(false) },
    'no live progress on stderr',
    () => true,
  ),
};

const TABLE: { readonly [K in keyof BenchOptions]: Row<BenchOptions[K]> } = ROWS;
const isKey = (k: string): k is keyof BenchOptions => Object.hasOwn(TABLE, k);
const KEYS = Object.keys(TABLE).filter(isKey);
const isComplete = (o: Overrides): o is BenchOptions => KEYS.every((k) => Object.hasOwn(o, k));

const store = <K extends keyof BenchOptions>(o: Overrides, key: K, value: BenchOptions[K]) => {
  o[key] = value;
};

/**
 * The defaults of each preset in each mode. `quick` (`pnpm bench`) ends within 3 minutes on 2
 * cores; `full` adds dim 64, more repetitions and the whole quality protocol.
 */
export const presetDefaults = (preset: PresetName, mode: Mode): BenchOptions => {
  const o: Overrides = {};
  for (const k of KEYS) store(o, k, TABLE[k].initial({ quick: preset === 'quick', mode }));
  if (!isComplete(o)) throw new Error('the flag table lacks a default'); // every row has one
  return o;
};

const synopsis = ({ name, placeholder }: Row<unknown>): string =>
  placeholder === undefined ? name : `${name} ${placeholder}`;

const apply = <K extends keyof BenchOptions>(key: K, raw: string | undefined, o: Overrides) => {
  const r: Row<BenchOptions[K]> = TABLE[key];
  const value =
    (r.placeholder === undefined) === (raw === undefined)
      ? r.read(r.name, raw ?? '')
      : E.left(
          usage(
            raw === undefined
              ? `${r.name} needs a value: ${synopsis(r)}`
              : `${r.name} takes no value`,
          ),
        );
  return pipe(
    value,
    E.map((v) => store(o, key, v)),
  );
};

/** `--help` text: every flag with its meaning and default. */
export const helpText = (): string => {
  const rows: [string, string][] = [
    ...KEYS.map((k): [string, string] => [synopsis(TABLE[k]), TABLE[k].help]),
    ['--list', 'list the flows and backends found (and why others are missing), then exit'],
    ['-h, --help', 'show this help'],
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

type Word = { readonly arg: string; readonly flag?: string; readonly value?: string };

const TOKEN_OPTIONS: ParseArgsConfig['options'] = {
  ...Object.fromEntries(
    KEYS.map((k) => [
      TABLE[k].name.slice(2),
      { type: TABLE[k].placeholder === undefined ? 'boolean' : 'string' } as const,
    ]),
  ),
  help: { type: 'boolean', short: 'h' },
  list: { type: 'boolean' },
};

/**
 * argv as `node:util` `parseArgs` tokenises it against the table. A bare `--` is skipped (`pnpm
 * bench -- …` passes one); a short-option group node splits (`-abc`) stays one word; a flag
 * followed by another (`--reps --warmup`) has no value.
 */
const tokensOf = (argv: readonly string[]): Word[] => {
  const config: ParseArgsConfig = { args: [...argv], options: TOKEN_OPTIONS, strict: false };
  const tokens = tokenize({ ...config, allowPositionals: true, tokens: true }).tokens ?? [];
  const words: Word[] = [];
  for (const t of tokens) {
    if (t.kind === 'option-terminator') return [...words, ...tokensOf(argv.slice(t.index + 1))];
    const arg = argv[t.index]!;
    if (t.kind === 'positional' || (arg !== t.rawName && !arg.startsWith(`${t.rawName}=`)))
      words.push({ arg });
    // node takes the next word as the value even when it is another flag (`--x`): no value then.
    else if (t.inlineValue === false && /^--./.test(t.value ?? ''))
      words.push({ arg, flag: t.rawName });
    else words.push({ arg, flag: t.rawName, value: t.value });
  }
  return words;
};

const conflict = (o: Overrides, options: BenchOptions): string | undefined => {
  const { mode } = options;
  if (mode === 'browser' && options.backends.length > 0 && !options.backends.includes('wasm'))
    return "--mode browser runs only the wasm backend; leave out --backends or include 'wasm'";
  if (o.seeds !== undefined && mode !== 'quality')
    return '--seeds applies to --mode quality only; use --seed N';
  if (o.seeds !== undefined && o.seed !== undefined)
    return 'give either --seed or --seeds, not both';
  if (mode === 'distill' && o.flows !== undefined)
    return '--mode distill always trains autoregressive/maf and distils autoregressive/iaf; leave out --flows';
  if (mode === 'distill' && options.datasets.join() !== 'moons')
    return '--mode distill runs on moons only; leave out --datasets';
  if (options.model !== undefined && options.zuko === undefined)
    return `--model needs --zuko ${ZUKO_FLOWS.join('|')}: the zuko class that wrote the file`;
  if (options.zuko !== undefined && options.model === undefined)
    return '--zuko names the class of a --model file; give --model PATH too';
  if (options.model !== undefined && mode !== 'speed')
    return '--model applies to --mode speed only';
  return undefined;
};

/**
 * Parse argv into {@link BenchOptions}: preset defaults, then the flags in any order. Unknown
 * flags, missing and impossible values are a `Left` naming the flag.
 */
export const parseArgs = (argv: readonly string[]): E.Either<UsageError, ParsedArgs> => {
  const o: Overrides = {};
  let list = false;
  for (const { arg, flag, value } of tokensOf(argv)) {
    if ((flag === '-h' || flag === '--help') && value === undefined)
      return E.right({ kind: 'help' });
    if (flag === '--list' && value === undefined) {
      list = true;
      continue;
    }
    const key = KEYS.find((k) => TABLE[k].name === flag);
    if (key === undefined)
      return E.left(
        usage(
          arg.startsWith('-')
            ? `unknown flag '${arg.startsWith('--') ? arg.split('=')[0]! : arg}' (see --help)`
            : `unexpected argument '${arg}' (flags start with --; see --help)`,
        ),
      );
    const r = apply(key, value, o);
    if (E.isLeft(r)) return r;
  }
  const options: BenchOptions = { ...presetDefaults(o.preset ?? 'quick', o.mode ?? 'speed'), ...o };
  const why = conflict(o, options);
  return why === undefined ? E.right({ kind: list ? 'list' : 'run', options }) : E.left(usage(why));
};
