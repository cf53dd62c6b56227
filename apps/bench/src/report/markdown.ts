import { duration, fixed, ratio, si } from '../format.js';
import { STORED_ORIGIN } from '../reference.js';
import type { ZukoReferenceInfo } from '../zukoLive.js';
import type {
  BenchReport,
  DistillReport,
  DistillTraining,
  MeanWithError,
  QualityRow,
  SpeedRow,
} from '../model.js';

/** A table as data, rendered to Markdown by {@link mdTable} and to HTML by the HTML writer. */
export interface Table {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/**
 * A Markdown table (pipes in cells are escaped).
 *
 * @example
 * ```ts
 * mdTable({ header: ['a', 'b'], rows: [['x', '1']] }); // '| a | b |\n|---|---:|\n| x | 1 |'
 * ```
 */
export const mdTable = ({ header, rows }: Table): string => {
  const line = (r: readonly string[]) =>
    `| ${r.map((s) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ')).join(' | ')} |`;
  const rule = `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
};

/**
 * Distinct values in first-seen order.
 *
 * @example
 * ```ts
 * distinct(['cpu', 'wasm', 'cpu']); // ['cpu', 'wasm']
 * ```
 */
export const distinct = <T>(xs: readonly T[]): T[] => xs.filter((x, i) => xs.indexOf(x) === i);

/** `n` placeholder cells. */
const dashes = (n: number): string[] => Array<string>(n).fill('–');
const count = (n: number | undefined): string => String(n ?? '–');
const thousands = (n: number): string => n.toLocaleString('en-US');
const failure = (r: { status: string; reason?: string }) => `${r.status}: ${r.reason ?? ''}`;

const sizeKey = (r: SpeedRow) => `${r.dim}|${r.hidden.join(',')}|${r.transforms}`;

/** The matrix sizes present in rows, each with a sentence describing it and its rows. */
const sizesOf = (rows: readonly SpeedRow[]): { text: string; rows: SpeedRow[] }[] =>
  distinct(rows.map(sizeKey)).map((key) => {
    const rs = rows.filter((r) => sizeKey(r) === key);
    const r0 = rs[0]!;
    const train = rs.find((r) => r.op === 'train')?.batch;
    const evalB = rs.find((r) => r.op !== 'train')?.batch;
    const batches = [
      ...(train === undefined ? [] : [`train batch ${train}`]),
      ...(evalB === undefined ? [] : [`logProb/sample batch ${evalB}`]),
    ].join(', ');
    return {
      text: `dim ${r0.dim}, hidden [${r0.hidden.join(', ')}], ${r0.transforms} transforms, ${batches}`,
      rows: rs,
    };
  });

/** Spread of the throughput implied by the IQR of the times: (batch/q1 − batch/q3) / 2. */
const iqrRate = (r: SpeedRow): number | undefined =>
  r.seconds === undefined || r.seconds.q1 <= 0
    ? undefined
    : (r.batch / r.seconds.q1 - r.batch / r.seconds.q3) / 2;

/** A share in [0, 1] as a whole percentage (`–` when absent). */
const percent = (x: number | undefined): string =>
  x === undefined ? '–' : `${Math.round(x * 100)}%`;

/** One value per backend in `backends` order, joined by ` / `; a single value when all agree. */
const perBackend = (
  cells: readonly SpeedRow[],
  backends: readonly string[],
  show: (r: SpeedRow) => string,
): string => {
  const values = backends.map((b) => {
    const r = cells.find((c) => c.backend === b);
    return r === undefined ? '–' : show(r);
  });
  return values.every((v) => v === values[0]) ? (values[0] ?? '–') : values.join(' / ');
};

/** What the `(×)` ratios divide by: zuko timed live in this run, or a stored figure with the machine and date it came from (and why no live figure). */
const zukoColumnText = (info: ZukoReferenceInfo | undefined): string =>
  info?.source === 'live'
    ? `(×) is the ratio to zuko timed live in this run at the same model, sizes, batch, warm-up and repetitions (${info.origin}; parameters at initialisation; train = one Adam step on −mean log p).`
    : `(×) is the ratio to a STORED figure, not a live one (${STORED_ORIGIN}; about 2x faster than zuko re-measured on 2026-11-30, ±30% between processes)${info?.reason === undefined ? (info?.source === 'off' ? '; live timing off (--zuko-live off)' : '') : `; ${info.reason}`}.`;

/**
 * The lead of a speed section: timing protocol, what the `(×)` ratios divide by
 * (zuko timed live, or a stored figure) and what the kernel columns mean.
 *
 * @example
 * ```ts
 * speedLead(report.options, report.speed.zuko); // 'Median over up to 5 timed runs after 1 warm-up(s); …'
 * ```
 */
export const speedLead = (
  o: Pick<BenchReport['options'], 'reps' | 'warmup'>,
  zuko: ZukoReferenceInfo | undefined,
): string =>
  `Median over up to ${o.reps} timed runs after ${o.warmup} warm-up(s); ± is half the IQR of the throughput; ${zukoColumnText(zuko)} Kernel calls: tfjs kernels the engine ran in one operation (one training step, one logProb or one sample call), counted in extra untimed calls after the timed ones; outside kernels: the share of such a call’s wall time (the median of three calls, one for calls over 0.5 s) spent outside the backend’s kernel functions (engine bookkeeping, autodiff tape, glue, read-back).`;

/** zuko's figure with where it came from: `live` (timed in this run) or `stored` (the section's lead names the machine and date). */
const referenceText = (ref: NonNullable<SpeedRow['reference']>): string =>
  `${si(ref.samplesPerSecond)}/s (${ref.dataset === undefined ? '' : `${ref.dataset} `}${ref.model}, ${ref.source})`;

/** One pivot cell: median throughput ± half-IQR, and the ratio to zuko when there is one. */
const cellText = (r: SpeedRow | undefined): string => {
  if (r === undefined) return '';
  if (r.status !== 'ok') return r.status;
  const leak = (r.leakedTensors ?? 0) !== 0 ? ' ⚠leak' : '';
  const ref = r.reference?.ratio !== undefined ? ` (${ratio(r.reference.ratio)})` : '';
  return `${si(r.samplesPerSecond)}/s ±${si(iqrRate(r))}${ref}${leak}`;
};

/**
 * The speed matrix as one pivot table per size: a row per flow and operation, a column per
 * backend with `median samples/s ±half-IQR (ratio to zuko)`, and zuko's figure where RESULTS.md
 * has one.
 *
 * @example
 * ```ts
 * for (const { title, table } of speedPivotTables(report.speed.rows, ['cpu', 'wasm'])) console.log(title, mdTable(table));
 * ```
 */
export const speedPivotTables = (
  rows: readonly SpeedRow[],
  backends: readonly string[],
): { title: string; table: Table }[] =>
  sizesOf(rows).map(({ text, rows: rs }) => ({
    title: text,
    table: {
      header: [
        'flow',
        'op',
        'params',
        ...backends.map((b) => `${b} samples/s`),
        'zuko samples/s',
        `kernel calls (${backends.join(' / ')})`,
        `outside kernels (${backends.join(' / ')})`,
      ],
      rows: distinct(rs.map((r) => `${r.flow}|${r.op}`)).map((k) => {
        const cells = rs.filter((r) => `${r.flow}|${r.op}` === k);
        const { flow, op } = cells[0]!;
        const ref = cells.find((r) => r.reference !== undefined)?.reference;
        const params = cells.find((r) => r.params > 0)?.params;
        const note = cells.find((r) => r.note !== undefined)?.note;
        return [
          flow,
          note === undefined ? op : `${op} (${note})`,
          params === undefined ? '–' : thousands(params),
          ...backends.map((b) => cellText(cells.find((r) => r.backend === b))),
          ref === undefined ? '–' : referenceText(ref),
          perBackend(cells, backends, (r) => count(r.kernels?.calls)),
          perBackend(cells, backends, (r) => percent(r.kernels?.outsideShare)),
        ];
      }),
    },
  }));

/**
 * {@link speedPivotTables} as Markdown, each table under a bold line stating its sizes.
 *
 * @example
 * ```ts
 * console.log(speedPivot(report.speed.rows, ['cpu', 'wasm']));
 * ```
 */
export const speedPivot = (rows: readonly SpeedRow[], backends: readonly string[]): string =>
  speedPivotTables(rows, backends)
    .map(({ title, table }) => `**${title}**\n\n${mdTable(table)}`)
    .join('\n\n');

/** The GEMM row per backend: median time, IQR, min, GFLOP/s, leaks. */
export const gemmTable = (rows: readonly SpeedRow[]): Table => ({
  header: ['backend', 'matMul 512x256 @ 256x256', 'IQR', 'min', 'GFLOP/s', 'leaks'],
  rows: rows.map((r) => [
    r.backend,
    r.status === 'ok' ? duration(r.seconds?.median) : failure(r),
    duration(r.seconds?.iqr),
    duration(r.seconds?.min),
    fixed(r.gflops, 2),
    count(r.leakedTensors),
  ]),
});

/** Every cell with all its numbers (the report file's appendix). */
export const speedDetail = (rows: readonly SpeedRow[]): Table => ({
  header:
    'flow op backend dim batch params median q1 q3 min max n samples/s zuko ratio kernels outside leaked status'.split(
      ' ',
    ),
  rows: rows.map((r) => [
    r.flow,
    r.op,
    r.backend,
    String(r.dim),
    String(r.batch),
    String(r.params),
    ...(['median', 'q1', 'q3', 'min', 'max'] as const).map((q) => duration(r.seconds?.[q])),
    count(r.seconds?.n),
    si(r.samplesPerSecond),
    si(r.reference?.samplesPerSecond),
    ratio(r.reference?.ratio),
    count(r.kernels?.calls),
    percent(r.kernels?.outsideShare),
    r.leakedTensors === undefined ? '–' : `${r.leakedTensors}/${r.calls ?? '?'} calls`,
    r.status !== 'ok' ? failure(r) : r.note === undefined ? 'ok' : `ok (${r.note})`,
  ]),
});

/** Leak summary: `none` or the offending cells. */
export const leakSummary = (rows: readonly SpeedRow[]): string => {
  const leaky = rows.filter((r) => (r.leakedTensors ?? 0) !== 0);
  return leaky.length === 0
    ? 'Tensor leaks: none (numTensors unchanged across every timed cell).'
    : `Tensor leaks in ${leaky.length} cell(s): ${leaky.map((r) => `${r.backend} ${r.flow} ${r.op} (+${r.leakedTensors} over ${r.calls} calls)`).join('; ')}.`;
};

/**
 * Quality results: test LL ± s.e. (one seed) or mean [min, max] over seeds, next to RESULTS.md's
 * mean [min, max] and median; with several seeds the Adam steps, epochs and stop reasons are
 * listed per seed (`a / b / c`). Continuous flows add a column of function evaluations per solve.
 *
 * @example
 * ```ts
 * console.log(mdTable(qualityTable(report.quality.rows)));
 * ```
 */
export const qualityTable = (rows: readonly QualityRow[]): Table => {
  const withNfe = rows.some((r) => r.trainNfe !== undefined || r.testNfe !== undefined);
  const nfe = (n: number | undefined) => (n === undefined ? '–' : fixed(n, 0));
  return {
    header: [
      ...['data', 'flow', 'backend', 'params', 'test LL', 'median', 'zuko LL [min, max]'],
      ...['zuko median', 'Δ LL', 'wall', 'Adam steps', 'epochs', 'stopped by'],
      ...(withNfe ? ['NFE per solve (train / test)'] : []),
    ],
    rows: rows.map((r) => {
      const ref = r.reference;
      const perSeed = (key: 'steps' | 'epochs' | 'stoppedBy'): string =>
        (r.runs ?? [r]).map((run) => String(run[key] ?? '–')).join(' / ');
      const refText =
        ref === undefined
          ? '–'
          : `${ref.testLL}${ref.testLLMin !== undefined ? ` [${ref.testLLMin}, ${ref.testLLMax}]` : ''}${ref.note ? ` (${ref.note})` : ''}`;
      const head = [r.dataset, r.flow, r.backend];
      if (r.status !== 'ok')
        return [...head, '–', failure(r), '–', refText, ...dashes(withNfe ? 7 : 6)];
      return [
        ...head,
        thousands(r.params ?? 0),
        r.runs === undefined
          ? `${fixed(r.testLL, 3)} ± ${fixed(r.testLLStdErr, 3)}`
          : `${fixed(r.testLL, 3)} [${fixed(r.testLLMin, 3)}, ${fixed(r.testLLMax, 3)}]`,
        fixed(r.testMedian, 3),
        refText,
        ref?.median === undefined ? '–' : String(ref.median),
        ref === undefined || r.testLL === undefined ? '–' : fixed(r.testLL - ref.testLL, 3),
        duration(r.wallSeconds),
        perSeed('steps'),
        perSeed('epochs'),
        `${perSeed('stoppedBy')}${r.method === 'flow matching' ? ' (flow matching)' : ''}`,
        ...(withNfe ? [`${nfe(r.trainNfe)} / ${nfe(r.testNfe)}`] : []),
      ];
    }),
  };
};

const pm = (m: MeanWithError | undefined, digits = 3): string =>
  m === undefined ? '–' : `${fixed(m.mean, digits)} ± ${fixed(m.stdErr, digits)}`;

/** The distill mode's two trained models: test LL ± s.e. under each model's own density, and how each was trained. */
export const distillModelsTable = (t: DistillTraining): Table => {
  const row = (role: string, m: DistillTraining['teacher'], how: string): string[] =>
    m === undefined
      ? [role, ...dashes(6), how]
      : [
          role,
          m.flow,
          thousands(m.params),
          `${fixed(m.testLL, 3)} ± ${fixed(m.testLLStdErr, 3)}`,
          fixed(m.testMedian, 3),
          duration(m.wallSeconds),
          `${m.steps}${m.epochs === undefined ? '' : ` (${m.epochs} epoch${m.epochs === 1 ? '' : 's'})`}, ${m.stoppedBy}`,
          how,
        ];
  const s = t.student;
  return {
    header: ['role', 'flow', 'params', 'test LL ± s.e.', 'median', 'wall'].concat(
      'Adam steps, stopped by',
      'trained by',
    ),
    rows: [
      row(
        'teacher',
        t.teacher,
        'maximum likelihood on moons train (Adam 1e-3, batch 256, early stopping on val, patience 15)',
      ),
      row(
        'student',
        s,
        s === undefined
          ? 'distilled from the teacher (never sees the data)'
          : `${distillObjective(t)}; ${s.batchSize} student${s.forwardWeight > 0 ? ` and ${s.teacherBatchSize} teacher` : ''} draws per step; Adam ${s.learningRate}${s.finalLearningRate === s.learningRate ? '' : ` cosine-annealed to ${s.finalLearningRate}`}, gradient norm clipped at ${s.clipGradNorm}; ${s.validation.length > 0 ? `kept step ${s.bestStep} (lowest forward KL on ${thousands(s.validationSamples)} held-out teacher draws); ` : ''}never sees the data`,
      ),
    ],
  };
};

/** The distill criterion and the cross terms: gap student − teacher (paired s.e.), the teacher's log-density on student and teacher draws, the KL estimates. */
export const distillCrossTable = (t: DistillTraining): Table => {
  const row = (what: string, m: MeanWithError | undefined, digits = 3) => [
    what,
    pm(m, digits),
    count(m?.n),
    '',
  ];
  return {
    header: ['quantity', 'nats ± s.e.', 'n', 'criterion'],
    rows: [
      [
        ...row('test LL gap, student − teacher (paired per test example)', t.gap).slice(0, 3),
        t.pass === undefined ? '–' : `${t.pass ? 'PASS' : 'FAIL'} (gap ≥ −${t.tolerance})`,
      ],
      ['median per-example gap, student − teacher', fixed(t.gapMedian, 3), count(t.gap?.n), ''],
      row('teacher log p(x) on student draws, E_q[log p]', t.teacherLLOnStudentSamples),
      row('teacher log p(x) on teacher draws, E_p[log p]', t.teacherLLOnTeacherSamples),
      row('KL(q ‖ p) estimate on fresh student draws, E_q[log q − log p]', t.klEstimate, 4),
      row('KL(p ‖ q) estimate on fresh teacher draws, E_p[log p − log q]', t.forwardKlEstimate, 4),
      [
        'median per-draw log q − log p (student draws) / log p − log q (teacher draws)',
        `${fixed(t.klMedian, 4)} / ${fixed(t.forwardKlMedian, 4)}`,
        count(t.klEstimate?.n),
        '',
      ],
    ],
  };
};

/** The sampling speed-up of the IAF student over the MAF teacher, per size and backend, with the 20× criterion at dim 64. */
export const speedupTable = (d: DistillReport): Table => ({
  header: [
    'dim',
    'hidden',
    'transforms',
    'batch',
    'backend',
    'MAF samples/s',
    'IAF samples/s',
  ].concat('IAF / MAF', `≥ ${d.speedupThreshold}× at dim 64`),
  rows: d.speedups.map((r) => [
    String(r.dim),
    `[${r.hidden.join(', ')}]`,
    String(r.transforms),
    String(r.batch),
    r.backend,
    si(r.mafSamplesPerSecond),
    si(r.iafSamplesPerSecond),
    r.ratio === undefined ? (r.reason ?? '–') : `${r.ratio.toPrecision(3)}×`,
    r.pass === undefined ? '–' : r.pass ? 'PASS' : 'FAIL',
  ]),
});

/** The student's KL history (reverse, and forward when its weight is positive): the last per-step values, and the windowed curve thinned to about `points` entries. */
export const distillKlText = (t: DistillTraining, points = 8): string => {
  const s = t.student;
  if (s === undefined) return '';
  const every = Math.max(1, Math.ceil(s.klCurve.length / points));
  const curve = s.klCurve.filter((_, i) => i % every === every - 1 || i === s.klCurve.length - 1);
  const forward = s.forwardKlTail.length > 0;
  const tail = (name: string, xs: readonly number[]) =>
    `${name} per step (nats), last ${xs.length}: ${xs.map((v) => fixed(v, 4)).join(', ')}.`;
  return [
    tail('Reverse-KL estimate KL(q‖p)', s.klTail),
    ...(forward ? [tail('Forward-KL estimate KL(p‖q)', s.forwardKlTail)] : []),
    `Mean over windows of ${s.klWindow} steps${forward ? ' (reverse / forward)' : ''}: ${curve.map((c) => `step ${c.step}: ${fixed(c.kl, 4)}${c.forwardKl === undefined ? '' : ` / ${fixed(c.forwardKl, 4)}`}`).join(' · ')}.`,
  ].join('  \n');
};

/** The distill objective in words, from the student's forward-KL weight α of `(1 − α)·KL(q‖p) + α·KL(p‖q)`. */
const distillObjective = (t: DistillTraining): string => {
  const w = t.student?.forwardWeight ?? 0;
  if (w === 0) return "reverse KL KL(q‖p) on the student's own draws scored by the teacher";
  if (w === 1)
    return "forward KL KL(p‖q) alone: maximum likelihood on fresh teacher draws scored by the student (the reverse KL on the student's own draws is estimated and reported, not optimised)";
  return `${1 - w}·KL(q‖p) + ${w}·KL(p‖q): reverse KL on the student's own draws scored by the teacher, forward KL on fresh teacher draws scored by the student`;
};

/** The distill section's lead: `testPoints` is how the test set is named ('the 5,000 moons test points'). */
export const distillIntro = (t: DistillTraining, testPoints: string): string =>
  `MAF teacher trained on moons on the ${t.backend} backend, then an IAF student of the same size distilled from it (probability density distillation after van den Oord et al. 2018; objective: ${distillObjective(t)}). The student never sees the data. Test LL: average log-likelihood of ${testPoints} under each model's own density (the student's evaluated by its sequential forward pass); criterion: mean student ≥ mean teacher − ${t.tolerance} nats.`;

/** When, where (the environment as `key value` pairs) and how long the run took, joined by `sep`. */
export const runLine = (report: BenchReport, sep: string): string =>
  [
    report.createdAt,
    Object.entries(report.environment)
      .map(([k, v]) => `${k} ${v}`)
      .join(sep),
    `wall ${duration(report.wallSeconds)}`,
  ].join(' · ');

/** A reason cut to its first 160 characters for one-line summaries (the JSON and HTML keep it whole). */
const short = (text: string): string => (text.length <= 160 ? text : `${text.slice(0, 159)}…`);

const header = (report: BenchReport): string => {
  const o = report.options;
  const backends = report.backends
    .map((b) =>
      b.available
        ? `${b.name} ✓${b.details['flavour'] !== undefined ? ` (${String(b.details['flavour'])})` : ''}`
        : `${b.name} ✗ (${short(b.reason ?? 'unavailable')})`,
    )
    .join('; ');
  const missing = report.flows.missing.map((m) => `${m.family}: ${m.reason}`).join('; ');
  return [
    `# bijective bench: ${o.mode} mode, ${o.preset} preset`,
    '',
    runLine(report, ', '),
    '',
    `Backends: ${o.mode === 'browser' ? 'wasm inside headless Chromium (see below)' : backends}`,
    ...(missing === '' ? [] : ['', `Flow packages skipped: ${missing}`]),
  ].join('\n');
};

/** A speed matrix as Markdown: pivot tables, GEMM, leaks, and with `detail` every cell. */
const speedParts = (
  rows: readonly SpeedRow[],
  gemm: readonly SpeedRow[],
  backends: readonly string[],
  detail: boolean,
): string[] => [
  speedPivot(rows, backends),
  mdTable(gemmTable(gemm)),
  leakSummary([...rows, ...gemm]),
  ...(detail ? ['### Every cell', mdTable(speedDetail(rows))] : []),
];

const pictureList = (pictures: readonly { title: string; file: string }[], detail: boolean) =>
  detail && pictures.length > 0
    ? ['### Pictures', pictures.map((p) => `- [${p.title}](${p.file})`).join('\n')]
    : [];

/**
 * The whole report as Markdown. `detail: false` is the summary printed on stdout (pivot tables,
 * GEMM, leaks, quality table); `detail: true` adds the per-cell appendix written to report.md.
 *
 * @example
 * ```ts
 * process.stdout.write(renderMarkdown(report, { detail: false }));
 * ```
 */
export const renderMarkdown = (
  report: BenchReport,
  { detail }: { readonly detail: boolean },
): string => {
  const { speed, browser: b, distill: d, quality, options: o } = report;
  const parts = [header(report)];
  if (d !== undefined) {
    const t = d.training;
    const intro = distillIntro(t, 'the 5,000 moons test points');
    parts.push(
      '## Distillation (moons)',
      t.status === 'ok' ? intro : `${intro}\n\n**failed**: ${t.reason ?? ''}`,
      mdTable(distillModelsTable(t)),
      mdTable(distillCrossTable(t)),
      ...(t.student === undefined ? [] : [distillKlText(t)]),
      '### Sampling speed-up, IAF student over MAF teacher',
      d.speedNote,
      mdTable(speedupTable(d)),
    );
  }
  if (speed !== undefined) {
    const used = distinct(speed.rows.map((r) => r.backend));
    const loaded = report.backends.filter((x) => x.available).map((x) => x.name);
    const [pivot, ...rest] = speedParts(
      speed.rows,
      speed.gemm,
      used.length > 0 ? used : loaded,
      detail,
    );
    parts.push('## Speed', speedLead(o, speed.zuko), pivot!, '### GEMM', ...rest);
  }
  if (b !== undefined) {
    parts.push('## Browser (headless Chromium, wasm)');
    if (b.status !== 'ok') parts.push(failure(b));
    else {
      const wasm = b.wasm ?? {};
      parts.push(
        [
          `Chromium: ${b.chromium ?? '?'} (${b.userAgent ?? ''})`,
          `Cross-origin isolated: ${b.crossOriginIsolated === true ? 'yes' : 'no'}`,
          `wasm binary: ${String(wasm['flavour'] ?? 'unknown')} (${String(wasm['binary'] ?? '')}), threads ${String(wasm['threadsCount'] ?? '?')}`,
        ].join('  \n'),
        ...speedParts(b.rows, b.gemm, ['browser-wasm'], detail),
      );
    }
  }
  if (d !== undefined) parts.push(...pictureList(d.pictures, detail));
  if (quality !== undefined) {
    parts.push(
      '## Quality',
      `Test average log-likelihood in nats (higher is better): one seed ± its standard error over test examples, several seeds (\`--seeds\`) mean [min, max] over seeds with the mean of the per-seed medians, total wall time and Adam steps / epochs / stop reason per seed; zuko: mean [min, max] over 3 seeds (RESULTS.md). Adam 1e-3, batch 256, early stopping on val (patience 15 for 2-D, 30 for digits), capped at ${o.maxEpochs} epochs and ${o.budgetSeconds ?? '∞'} s per run.`,
      mdTable(qualityTable(quality.rows)),
      ...pictureList(quality.pictures, detail),
    );
  }
  return `${parts.join('\n\n')}\n`;
};
