import { groups } from 'd3-array';
import { duration, si } from '../format.js';
import type {
  BenchReport,
  DistillReport,
  DistillTraining,
  MeanWithError,
  Picture,
  QualityRow,
  SpeedMatrix,
  SpeedRow,
} from '../model.js';
import { STORED_ORIGIN } from '../reference.js';
import { GEMM_WARMUP_SECONDS } from '../timing.js';
import type { ZukoReferenceInfo } from '../zukoLive.js';
import { barChart, dotChart } from './svg.js';

/** A table as data, with an optional caption line above it. */
export interface Table {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
  readonly title?: string;
}

/**
 * One block of a report, rendered by both writers. `charts` are HTML only (tables carry the same
 * figures); a `detail` is collapsed in HTML and left out of the stdout summary.
 */
export type Block =
  | { readonly kind: 'heading'; readonly level: 1 | 2 | 3; readonly text: string }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'table'; readonly table: Table }
  | { readonly kind: 'charts'; readonly svgs: readonly string[] }
  | { readonly kind: 'pictures'; readonly pictures: readonly Picture[] }
  | { readonly kind: 'detail'; readonly title: string; readonly blocks: readonly Block[] };

const heading = (level: 1 | 2 | 3, text: string): Block => ({ kind: 'heading', level, text });
const text = (t: string): Block => ({ kind: 'text', text: t });
const table = (t: Table): Block => ({ kind: 'table', table: t });
const charts = (svgs: readonly string[]): Block => ({ kind: 'charts', svgs });
const pictures = (ps: readonly Picture[]): Block => ({ kind: 'pictures', pictures: ps });
const detail = (title: string, blocks: readonly Block[]): Block => ({
  kind: 'detail',
  title,
  blocks,
});

const fixed = (x: number | undefined, digits: number): string =>
  x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits);
const ratio = (r: number | undefined): string =>
  r === undefined || !Number.isFinite(r) ? '–' : `${r.toPrecision(2)}×`;
const dashes = (n: number): string[] => Array<string>(n).fill('–');
const count = (n: number | undefined): string => String(n ?? '–');
const thousands = (n: number): string => n.toLocaleString('en-US');
const failure = (r: { status: string; reason?: string }) => `${r.status}: ${r.reason ?? ''}`;
const percent = (x: number | undefined): string =>
  x === undefined ? '–' : `${Math.round(x * 100)}%`;
const pm = (m: MeanWithError | undefined, digits = 3): string =>
  m === undefined ? '–' : `${fixed(m.mean, digits)} ± ${fixed(m.stdErr, digits)}`;
/** A reason cut to 160 characters for one-line summaries (JSON and HTML keep it whole). */
const short = (t: string): string => (t.length <= 160 ? t : `${t.slice(0, 159)}…`);
const distinct = <T>(xs: readonly T[]): T[] => [...new Set(xs)];

/** Spread of the throughput implied by the IQR of the times: (batch/q1 − batch/q3) / 2. */
const iqrRate = ({ seconds: s, batch }: SpeedRow): number | undefined =>
  s === undefined || s.q1 <= 0 ? undefined : (batch / s.q1 - batch / s.q3) / 2;

/** One pivot cell: median throughput ± half-IQR, and the ratio to zuko when there is one. */
const cellText = (r: SpeedRow | undefined): string => {
  if (r === undefined || r.status !== 'ok') return r?.status ?? '';
  const ref = r.reference?.ratio !== undefined ? ` (${ratio(r.reference.ratio)})` : '';
  const leak = (r.leakedTensors ?? 0) !== 0 ? ' ⚠leak' : '';
  return `${si(r.samplesPerSecond)}/s ±${si(iqrRate(r))}${ref}${leak}`;
};

/** What the `(×)` ratios divide by: zuko timed live in this run, or a stored figure (and why). */
const zukoColumnText = (info: ZukoReferenceInfo | undefined): string =>
  info?.source === 'live'
    ? `(×) is the ratio to zuko timed live in this run at the same model, sizes, batch, warm-up and repetitions (${info.origin}; parameters at initialisation; train = one Adam step on −mean log p).`
    : `(×) is the ratio to a STORED figure, not a live one (${STORED_ORIGIN}; about 2x faster than zuko re-measured on 2026-11-30, ±30% between processes)${info?.reason === undefined ? (info?.source === 'off' ? '; live timing off (--zuko-live off)' : '') : `; ${info.reason}`}.`;

const speedLead = (o: BenchReport['options'], zuko: ZukoReferenceInfo | undefined): string =>
  `Median over up to ${o.reps} timed runs after ${o.warmup} warm-up(s); ± is half the IQR of the throughput; ${zukoColumnText(zuko)} Kernel calls: tfjs kernels the engine ran in one operation (one training step, one logProb or one sample call), counted in extra untimed calls after the timed ones; outside kernels: the share of such a call’s wall time (the median of three calls, one for calls over 0.5 s) spent outside the backend’s kernel functions (engine bookkeeping, autodiff tape, glue, read-back).`;

/** The speed matrix as a pivot table per size: a row per flow and op, a column per backend. */
const speedPivotTables = (rows: readonly SpeedRow[], backends: readonly string[]): Table[] =>
  groups(rows, (r) => `${r.dim}|${r.hidden.join(',')}|${r.transforms}`).map(([, rs]) => {
    const r0 = rs[0]!;
    const batches = [
      ['train batch', rs.find((r) => r.op === 'train')?.batch],
      ['logProb/sample batch', rs.find((r) => r.op !== 'train')?.batch],
    ].flatMap(([what, b]) => (b === undefined ? [] : [`${what} ${b}`]));
    const all = backends.join(' / ');
    return {
      title: `dim ${r0.dim}, hidden [${r0.hidden.join(', ')}], ${r0.transforms} transforms, ${batches.join(', ')}`,
      header: [
        'flow',
        'op',
        'params',
        ...backends.map((b) => `${b} samples/s`),
        'zuko samples/s',
      ].concat(`kernel calls (${all})`, `outside kernels (${all})`),
      rows: groups(rs, (r) => `${r.flow}|${r.op}`).map(([, cells]) => {
        const { flow, op } = cells[0]!;
        const ref = cells.find((r) => r.reference !== undefined)?.reference;
        const params = cells.find((r) => r.params > 0)?.params;
        const note = cells.find((r) => r.note !== undefined)?.note;
        const on = backends.map((b) => cells.find((r) => r.backend === b));
        // One value per backend joined by ' / ', or a single value when all agree.
        const perBackend = (show: (r: SpeedRow) => string): string => {
          const vs = distinct(on.map((r) => (r === undefined ? '–' : show(r))));
          return vs.length === 1
            ? vs[0]!
            : on.map((r) => (r === undefined ? '–' : show(r))).join(' / ');
        };
        return [
          flow,
          note === undefined ? op : `${op} (${note})`,
          params === undefined ? '–' : thousands(params),
          ...on.map(cellText),
          ref === undefined
            ? '–'
            : `${si(ref.samplesPerSecond)}/s (${ref.dataset === undefined ? '' : `${ref.dataset} `}${ref.model}, ${ref.source})`,
          perBackend((r) => count(r.kernels?.calls)),
          perBackend((r) => percent(r.kernels?.outsideShare)),
        ];
      }),
    };
  });

const gemmTable = (rows: readonly SpeedRow[]): Table => ({
  header: 'backend|matMul 512x256 @ 256x256|IQR|min|GFLOP/s|+ data()|IQR|leaks'.split('|'),
  rows: rows.map((r) => [
    r.backend,
    r.status === 'ok' ? duration(r.seconds?.median) : failure(r),
    duration(r.seconds?.iqr),
    duration(r.seconds?.min),
    fixed(r.gflops, 2),
    duration(r.readBackSeconds?.median),
    duration(r.readBackSeconds?.iqr),
    count(r.leakedTensors),
  ]),
});

const speedDetail = (rows: readonly SpeedRow[]): Table => ({
  header:
    'flow op backend dim batch params median q1 q3 min max n samples/s zuko ratio kernels outside leaked status'.split(
      ' ',
    ),
  rows: rows.map((r) => [
    ...[r.flow, r.op, r.backend, r.dim, r.batch, r.params].map(String),
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

const leakSummary = (rows: readonly SpeedRow[]): string => {
  const leaky = rows.filter((r) => (r.leakedTensors ?? 0) !== 0);
  return leaky.length === 0
    ? 'Tensor leaks: none (numTensors unchanged across every timed cell).'
    : `Tensor leaks in ${leaky.length} cell(s): ${leaky.map((r) => `${r.backend} ${r.flow} ${r.op} (+${r.leakedTensors} over ${r.calls} calls)`).join('; ')}.`;
};

/** Throughput charts: per dim and operation, bars per flow and backend, zuko's figure as a tick. */
const speedCharts = (rows: readonly SpeedRow[], backends: readonly string[]): string[] =>
  groups(rows, (r) => `${r.dim}|${r.op}`).map(([, rs]) =>
    barChart(
      groups(rs, (r) => r.flow).map(([flow, cells]) => ({
        label: flow,
        values: backends.map(
          (b) => cells.find((r) => r.backend === b && r.status === 'ok')?.samplesPerSecond,
        ),
        reference: cells.find((r) => r.reference !== undefined)?.reference?.samplesPerSecond,
      })),
      {
        title: `${rs[0]!.op}: samples/s, dim ${rs[0]!.dim}, batch ${rs[0]!.batch}`,
        series: backends,
        unit: 'samples/s',
        referenceLabel: rows.some((r) => r.reference?.source === 'live')
          ? 'zuko (live)'
          : 'zuko (stored, RESULTS.md)',
      },
    ),
  );

/** A speed matrix: lead, charts, pivot tables, GEMM (chart and table), leaks, every cell. */
const speedBlocks = (
  title: string,
  { rows, gemm }: SpeedMatrix,
  backends: readonly string[],
  lead: string,
): Block[] => [
  heading(2, title),
  text(lead),
  charts(speedCharts(rows, backends)),
  ...speedPivotTables(rows, backends).map(table),
  heading(3, 'GEMM'),
  text(`Disposed on return, after ${GEMM_WARMUP_SECONDS} s untimed; "+ data()" reads it back.`),
  charts([
    barChart(
      [
        {
          label: 'matMul 512x256 @ 256x256',
          values: gemm.map((r) => (r.status === 'ok' ? r.gflops : undefined)),
        },
      ],
      { title: 'GEMM throughput', series: gemm.map((r) => r.backend), unit: 'GFLOP/s', log: false },
    ),
  ]),
  table(gemmTable(gemm)),
  text(leakSummary([...rows, ...gemm])),
  detail('Every cell', [table(speedDetail(rows))]),
];

/** Quality results next to RESULTS.md's; with several seeds, steps/epochs/stop reasons per seed. */
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

/** Test log-likelihood per data set: bijective ± s.e. next to zuko's mean and [min, max]. */
const qualityCharts = (rows: readonly QualityRow[]): string[] =>
  groups(rows, (r) => r.dataset).map(([dataset, rs]) =>
    dotChart(
      rs.map(({ flow, backend, status, testLL, testLLStdErr: error, reference: ref }) => ({
        label: `${flow} (${backend})`,
        value: status === 'ok' ? testLL : undefined,
        error,
        reference: ref?.testLL,
        referenceRange:
          ref?.testLLMin === undefined || ref.testLLMax === undefined
            ? undefined
            : [ref.testLLMin, ref.testLLMax],
      })),
      { title: `${dataset}: test average log-likelihood`, unit: 'nats' },
    ),
  );

/** The distill objective in words, from the forward-KL weight α. */
const distillObjective = (t: DistillTraining): string => {
  const w = t.student?.forwardWeight ?? 0;
  if (w === 0) return "reverse KL KL(q‖p) on the student's own draws scored by the teacher";
  if (w === 1)
    return "forward KL KL(p‖q) alone: maximum likelihood on fresh teacher draws scored by the student (the reverse KL on the student's own draws is estimated and reported, not optimised)";
  return `${1 - w}·KL(q‖p) + ${w}·KL(p‖q): reverse KL on the student's own draws scored by the teacher, forward KL on fresh teacher draws scored by the student`;
};

/** The two trained models: test LL ± s.e. under each model's own density, and how each trained. */
const distillModelsTable = (t: DistillTraining): Table => {
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

/** The criterion and the cross terms. */
const distillCrossTable = (t: DistillTraining): Table => {
  const row = (what: string, m: MeanWithError | undefined, digits = 3, criterion = '') => [
    what,
    pm(m, digits),
    count(m?.n),
    criterion,
  ];
  return {
    header: ['quantity', 'nats ± s.e.', 'n', 'criterion'],
    rows: [
      row(
        'test LL gap, student − teacher (paired per test example)',
        t.gap,
        3,
        t.pass === undefined ? '–' : `${t.pass ? 'PASS' : 'FAIL'} (gap ≥ −${t.tolerance})`,
      ),
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

/** The student's KL history: the last per-step values, the windowed curve thinned to ~8 points. */
const distillKlText = (s: NonNullable<DistillTraining['student']>): string => {
  const every = Math.max(1, Math.ceil(s.klCurve.length / 8));
  const curve = s.klCurve.filter((_, i) => i % every === every - 1 || i === s.klCurve.length - 1);
  const forward = s.forwardKlTail.length > 0;
  const tail = (name: string, xs: readonly number[]) =>
    `${name} per step (nats), last ${xs.length}: ${xs.map((v) => fixed(v, 4)).join(', ')}.`;
  return [
    tail('Reverse-KL estimate KL(q‖p)', s.klTail),
    ...(forward ? [tail('Forward-KL estimate KL(p‖q)', s.forwardKlTail)] : []),
    `Mean over windows of ${s.klWindow} steps${forward ? ' (reverse / forward)' : ''}: ${curve.map((c) => `step ${c.step}: ${fixed(c.kl, 4)}${c.forwardKl === undefined ? '' : ` / ${fixed(c.forwardKl, 4)}`}`).join(' · ')}.`,
  ].join('\n');
};

/** The IAF student's sampling speed-up over the MAF teacher, per size and backend. */
const speedupTable = (d: DistillReport): Table => ({
  header: 'dim|hidden|transforms|batch|backend|MAF samples/s|IAF samples/s|IAF / MAF'
    .split('|')
    .concat(`≥ ${d.speedupThreshold}× at dim 64`),
  rows: d.speedups.map((r) => [
    ...[r.dim, `[${r.hidden.join(', ')}]`, r.transforms, r.batch, r.backend].map(String),
    si(r.mafSamplesPerSecond),
    si(r.iafSamplesPerSecond),
    r.ratio === undefined ? (r.reason ?? '–') : `${r.ratio.toPrecision(3)}×`,
    r.pass === undefined ? '–' : r.pass ? 'PASS' : 'FAIL',
  ]),
});

const distillBlocks = (d: DistillReport): Block[] => {
  const t = d.training;
  return [
    heading(2, 'Distillation (moons)'),
    text(
      `MAF teacher trained on moons on the ${t.backend} backend, then an IAF student of the same size distilled from it (probability density distillation after van den Oord et al. 2018; objective: ${distillObjective(t)}). The student never sees the data. Test LL: average log-likelihood of the 5,000 moons test points under each model's own density (the student's evaluated by its sequential forward pass); criterion: mean student ≥ mean teacher − ${t.tolerance} nats.`,
    ),
    ...(t.status === 'ok' ? [] : [text(`failed: ${t.reason ?? ''}`)]),
    table(distillModelsTable(t)),
    table(distillCrossTable(t)),
    ...(t.student === undefined ? [] : [text(distillKlText(t.student))]),
    heading(3, 'Sampling speed-up, IAF student over MAF teacher'),
    text(d.speedNote),
    table(speedupTable(d)),
    pictures(d.pictures),
  ];
};

/** What a report says, as one list of blocks both writers render. */
export const reportBlocks = (report: BenchReport): Block[] => {
  const { options: o, speed, browser: b, distill: d, quality } = report;
  const flavour = (x: { details: Readonly<Record<string, unknown>> }) =>
    x.details['flavour'] === undefined ? '' : ` (${String(x.details['flavour'])})`;
  const backends = report.backends
    .map((x) =>
      x.available
        ? `${x.name} ✓${flavour(x)}`
        : `${x.name} ✗ (${short(x.reason ?? 'unavailable')})`,
    )
    .join('; ');
  const missing = report.flows.missing.map((m) => `${m.family}: ${m.reason}`).join('; ');
  const browserTitle = 'Browser (headless Chromium, wasm)';
  const wasm = b?.wasm ?? {};
  const used = distinct(speed?.rows.map((r) => r.backend) ?? []);
  return [
    heading(1, `bijective bench: ${o.mode} mode, ${o.preset} preset`),
    text(
      [
        report.createdAt,
        ...Object.entries(report.environment).map(([k, v]) => `${k} ${v}`),
        `wall ${duration(report.wallSeconds)}`,
      ].join(' · '),
    ),
    text(
      `Backends: ${o.mode === 'browser' ? 'wasm inside headless Chromium (see below)' : backends}`,
    ),
    ...(missing === '' ? [] : [text(`Flow packages skipped: ${missing}`)]),
    detail('Backends', [
      table({
        header: ['backend', 'status', 'details'],
        rows: report.backends.map((x) => [
          x.name,
          x.available ? 'available' : 'skipped',
          x.available
            ? Object.entries(x.details)
                .map(([k, v]) => `${k}: ${String(v)}`)
                .join(', ')
            : (x.reason ?? ''),
        ]),
      }),
    ]),
    ...(d === undefined ? [] : distillBlocks(d)),
    ...(speed === undefined
      ? []
      : speedBlocks(
          'Speed',
          speed,
          used.length > 0 ? used : report.backends.filter((x) => x.available).map((x) => x.name),
          speedLead(o, speed.zuko),
        )),
    ...(b === undefined
      ? []
      : b.status !== 'ok'
        ? [heading(2, browserTitle), text(failure(b))]
        : speedBlocks(
            browserTitle,
            b,
            ['browser-wasm'],
            `Chromium: ${b.chromium ?? '?'} (${b.userAgent ?? ''})\nCross-origin isolated: ${b.crossOriginIsolated === true ? 'yes' : 'no'}\nwasm binary: ${String(wasm['flavour'] ?? 'unknown')} (${String(wasm['binary'] ?? '')}), threads ${String(wasm['threadsCount'] ?? '?')}\n${speedLead(o, undefined)}`,
          )),
    ...(quality === undefined
      ? []
      : [
          heading(2, 'Quality'),
          text(
            `Test average log-likelihood in nats (higher is better): one seed ± its standard error over test examples, several seeds (\`--seeds\`) mean [min, max] over seeds with the mean of the per-seed medians, total wall time and Adam steps / epochs / stop reason per seed; zuko: mean [min, max] over 3 seeds (RESULTS.md). Adam 1e-3, batch 256, early stopping on val (patience 15 for 2-D, 30 for digits), capped at ${o.maxEpochs} epochs and ${o.budgetSeconds ?? '∞'} s per run.`,
          ),
          charts(qualityCharts(quality.rows)),
          table(qualityTable(quality.rows)),
          pictures(quality.pictures),
        ]),
  ];
};
