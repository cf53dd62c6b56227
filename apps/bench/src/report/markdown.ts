import { duration, fixed, ratio, si } from '../format.js';
import type {
  BenchReport,
  DistillReport,
  DistillTraining,
  MeanWithError,
  QualityRow,
  SeedRun,
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
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [
    `| ${header.map(cell).join(' | ')} |`,
    `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
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

const sizeKey = (r: SpeedRow) => `${r.dim}|${r.hidden.join(',')}|${r.transforms}`;

/**
 * The matrix sizes present in rows, with a sentence describing each.
 *
 * @example
 * ```ts
 * sizesOf(rows).map((s) => s.text); // ['dim 2, hidden [64, 64], 5 transforms, …']
 * ```
 */
export const sizesOf = (
  rows: readonly SpeedRow[],
): { key: string; text: string; rows: SpeedRow[] }[] =>
  distinct(rows.map(sizeKey)).map((key) => {
    const rs = rows.filter((r) => sizeKey(r) === key);
    const r0 = rs[0]!;
    const train = rs.find((r) => r.op === 'train')?.batch;
    const evalB = rs.find((r) => r.op !== 'train')?.batch;
    const batches = [
      train === undefined ? '' : `train batch ${train}`,
      evalB === undefined ? '' : `logProb/sample batch ${evalB}`,
    ]
      .filter((s) => s !== '')
      .join(', ');
    return {
      key,
      text: `dim ${r0.dim}, hidden [${r0.hidden.join(', ')}], ${r0.transforms} transforms, ${batches}`,
      rows: rs,
    };
  });

/** One pivot cell: median throughput, and the ratio to zuko when there is one. */
const cellText = (r: SpeedRow | undefined): string => {
  if (r === undefined) return '';
  if (r.status === 'skipped') return 'skipped';
  if (r.status === 'failed') return 'failed';
  const leak = (r.leakedTensors ?? 0) !== 0 ? ' ⚠leak' : '';
  const ref = r.reference?.ratio !== undefined ? ` (${ratio(r.reference.ratio)})` : '';
  return `${si(r.samplesPerSecond)}/s ±${si(iqrRate(r))}${ref}${leak}`;
};

/**
 * Spread of the throughput implied by the IQR of the times: batch/q1 − batch/q3.
 *
 * @example
 * ```ts
 * iqrRate(row); // samples/s between the quartile times, halved
 * ```
 */
export const iqrRate = (r: SpeedRow): number | undefined =>
  r.seconds === undefined || r.seconds.q1 <= 0
    ? undefined
    : (r.batch / r.seconds.q1 - r.batch / r.seconds.q3) / 2;

/**
 * The speed matrix as one pivot table per size: a row per flow and
 * operation, a column per backend with `median samples/s ±half-IQR (ratio to
 * zuko)`, and zuko's figure where RESULTS.md has one.
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
  sizesOf(rows).map(({ text, rows: rs }) => {
    const keys = distinct(rs.map((r) => `${r.flow}|${r.op}`));
    return {
      title: text,
      table: {
        header: [
          'flow',
          'op',
          'params',
          ...backends.map((b) => `${b} samples/s`),
          'zuko samples/s',
        ],
        rows: keys.map((k) => {
          const [flow, op] = k.split('|') as [string, string];
          const cells = rs.filter((r) => r.flow === flow && r.op === op);
          const ref = cells.find((r) => r.reference !== undefined)?.reference;
          const params = cells.find((r) => r.params > 0)?.params;
          const note = cells.find((r) => r.note !== undefined)?.note;
          return [
            flow,
            note === undefined ? op : `${op} (${note})`,
            params === undefined ? '–' : params.toLocaleString('en-US'),
            ...backends.map((b) => cellText(cells.find((r) => r.backend === b))),
            ref === undefined ? '–' : `${si(ref.samplesPerSecond)}/s (${ref.dataset} ${ref.model})`,
          ];
        }),
      },
    };
  });

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

/**
 * GEMM row per backend: median time, IQR, GFLOP/s.
 *
 * @example
 * ```ts
 * console.log(mdTable(gemmTable(report.speed.gemm)));
 * ```
 */
export const gemmTable = (rows: readonly SpeedRow[]): Table => ({
  header: ['backend', 'matMul 512x256 @ 256x256', 'IQR', 'min', 'GFLOP/s', 'leaks'],
  rows: rows.map((r) => [
    r.backend,
    r.status === 'ok' ? duration(r.seconds?.median) : `${r.status}: ${r.reason ?? ''}`,
    duration(r.seconds?.iqr),
    duration(r.seconds?.min),
    fixed(r.gflops, 2),
    String(r.leakedTensors ?? '–'),
  ]),
});

/**
 * Every cell with all its numbers (the report file's appendix).
 *
 * @example
 * ```ts
 * console.log(mdTable(speedDetail(report.speed.rows)));
 * ```
 */
export const speedDetail = (rows: readonly SpeedRow[]): Table => ({
  header: [
    'flow',
    'op',
    'backend',
    'dim',
    'batch',
    'params',
    'median',
    'q1',
    'q3',
    'min',
    'max',
    'n',
    'samples/s',
    'zuko',
    'ratio',
    'leaked',
    'status',
  ],
  rows: rows.map((r) => [
    r.flow,
    r.op,
    r.backend,
    String(r.dim),
    String(r.batch),
    String(r.params),
    duration(r.seconds?.median),
    duration(r.seconds?.q1),
    duration(r.seconds?.q3),
    duration(r.seconds?.min),
    duration(r.seconds?.max),
    String(r.seconds?.n ?? '–'),
    si(r.samplesPerSecond),
    si(r.reference?.samplesPerSecond),
    ratio(r.reference?.ratio),
    r.leakedTensors === undefined ? '–' : `${r.leakedTensors}/${r.calls ?? '?'} calls`,
    r.status === 'ok'
      ? r.note === undefined
        ? 'ok'
        : `ok (${r.note})`
      : `${r.status}: ${r.reason ?? ''}`,
  ]),
});

/**
 * Leak summary: `none` or the offending cells.
 *
 * @example
 * ```ts
 * leakSummary(rows); // 'Tensor leaks: none (…)'
 * ```
 */
export const leakSummary = (rows: readonly SpeedRow[]): string => {
  const leaky = rows.filter((r) => (r.leakedTensors ?? 0) !== 0);
  return leaky.length === 0
    ? 'Tensor leaks: none (numTensors unchanged across every timed cell).'
    : `Tensor leaks in ${leaky.length} cell(s): ${leaky.map((r) => `${r.backend} ${r.flow} ${r.op} (+${r.leakedTensors} over ${r.calls} calls)`).join('; ')}.`;
};

/**
 * Quality results: test LL ± s.e. (one seed) or mean [min, max] over seeds,
 * next to RESULTS.md's mean [min, max] and median; with several seeds the
 * Adam steps, epochs and stop reasons are listed per seed (`a / b / c`).
 *
 * @example
 * ```ts
 * console.log(mdTable(qualityTable(report.quality.rows)));
 * ```
 */
export const qualityTable = (rows: readonly QualityRow[]): Table => {
  // Continuous flows: function evaluations per ODE solve, a column only when some row has them.
  const withNfe = rows.some((r) => r.trainNfe !== undefined || r.testNfe !== undefined);
  const nfe = (r: QualityRow): string[] =>
    withNfe
      ? [
          `${r.trainNfe === undefined ? '–' : fixed(r.trainNfe, 0)} / ${r.testNfe === undefined ? '–' : fixed(r.testNfe, 0)}`,
        ]
      : [];
  return {
    header: [
      'data',
      'flow',
      'backend',
      'params',
      'test LL',
      'median',
      'zuko LL [min, max]',
      'zuko median',
      'Δ LL',
      'wall',
      'Adam steps',
      'epochs',
      'stopped by',
      ...(withNfe ? ['NFE per solve (train / test)'] : []),
    ],
    rows: rows.map((r) => {
      const ref = r.reference;
      const perSeed = (
        f: (run: SeedRun) => string | number | undefined,
        single: string | number | undefined,
      ): string =>
        r.runs === undefined
          ? String(single ?? '–')
          : r.runs.map((run) => String(f(run) ?? '–')).join(' / ');
      const refText =
        ref === undefined
          ? '–'
          : `${ref.testLL}${ref.testLLMin !== undefined ? ` [${ref.testLLMin}, ${ref.testLLMax}]` : ''}${ref.note ? ` (${ref.note})` : ''}`;
      return r.status !== 'ok'
        ? [
            r.dataset,
            r.flow,
            r.backend,
            '–',
            `${r.status}: ${r.reason ?? ''}`,
            '–',
            refText,
            '–',
            '–',
            '–',
            '–',
            '–',
            '–',
            ...(withNfe ? ['–'] : []),
          ]
        : [
            r.dataset,
            r.flow,
            r.backend,
            (r.params ?? 0).toLocaleString('en-US'),
            r.runs === undefined
              ? `${fixed(r.testLL, 3)} ± ${fixed(r.testLLStdErr, 3)}`
              : `${fixed(r.testLL, 3)} [${fixed(r.testLLMin, 3)}, ${fixed(r.testLLMax, 3)}]`,
            fixed(r.testMedian, 3),
            refText,
            ref?.median === undefined ? '–' : String(ref.median),
            ref === undefined || r.testLL === undefined ? '–' : fixed(r.testLL - ref.testLL, 3),
            duration(r.wallSeconds),
            perSeed((run) => run.steps, r.steps),
            perSeed((run) => run.epochs, r.epochs),
            `${perSeed((run) => run.stoppedBy, r.stoppedBy)}${r.method === 'flow matching' ? ' (flow matching)' : ''}`,
            ...nfe(r),
          ];
    }),
  };
};

const pm = (m: MeanWithError | undefined, digits = 3): string =>
  m === undefined ? '–' : `${fixed(m.mean, digits)} ± ${fixed(m.stdErr, digits)}`;

/**
 * The distill mode's two trained models: test LL ± s.e. under each model's own density, and how each was trained.
 *
 * @example
 * ```ts
 * console.log(mdTable(distillModelsTable(report.distill.training)));
 * ```
 */
export const distillModelsTable = (t: DistillTraining): Table => {
  const row = (role: string, m: DistillTraining['teacher'], how: string): string[] =>
    m === undefined
      ? [role, '–', '–', '–', '–', '–', '–', how]
      : [
          role,
          m.flow,
          m.params.toLocaleString('en-US'),
          `${fixed(m.testLL, 3)} ± ${fixed(m.testLLStdErr, 3)}`,
          fixed(m.testMedian, 3),
          duration(m.wallSeconds),
          `${m.steps}${m.epochs === undefined ? '' : ` (${m.epochs} epoch${m.epochs === 1 ? '' : 's'})`}, ${m.stoppedBy}`,
          how,
        ];
  const s = t.student;
  return {
    header: [
      'role',
      'flow',
      'params',
      'test LL ± s.e.',
      'median',
      'wall',
      'Adam steps, stopped by',
      'trained by',
    ],
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
          : `${distillObjective(t)}; ${s.batchSize} student${s.forwardWeight > 0 ? ` and ${s.teacherBatchSize} teacher` : ''} draws per step; Adam ${s.learningRate}${s.finalLearningRate === s.learningRate ? '' : ` cosine-annealed to ${s.finalLearningRate}`}, gradient norm clipped at ${s.clipGradNorm}; ${s.validation.length > 0 ? `kept step ${s.bestStep} (lowest forward KL on ${s.validationSamples.toLocaleString('en-US')} held-out teacher draws); ` : ''}never sees the data`,
      ),
    ],
  };
};

/**
 * The distill criterion and the cross terms: gap student − teacher (paired s.e.),
 * the teacher's log-density on student and on teacher draws, the KL estimate.
 *
 * @example
 * ```ts
 * console.log(mdTable(distillCrossTable(report.distill.training)));
 * ```
 */
export const distillCrossTable = (t: DistillTraining): Table => ({
  header: ['quantity', 'nats ± s.e.', 'n', 'criterion'],
  rows: [
    [
      'test LL gap, student − teacher (paired per test example)',
      pm(t.gap),
      String(t.gap?.n ?? '–'),
      t.pass === undefined ? '–' : `${t.pass ? 'PASS' : 'FAIL'} (gap ≥ −${t.tolerance})`,
    ],
    [
      'median per-example gap, student − teacher',
      fixed(t.gapMedian, 3),
      String(t.gap?.n ?? '–'),
      '',
    ],
    [
      'teacher log p(x) on student draws, E_q[log p]',
      pm(t.teacherLLOnStudentSamples),
      String(t.teacherLLOnStudentSamples?.n ?? '–'),
      '',
    ],
    [
      'teacher log p(x) on teacher draws, E_p[log p]',
      pm(t.teacherLLOnTeacherSamples),
      String(t.teacherLLOnTeacherSamples?.n ?? '–'),
      '',
    ],
    [
      'KL(q ‖ p) estimate on fresh student draws, E_q[log q − log p]',
      pm(t.klEstimate, 4),
      String(t.klEstimate?.n ?? '–'),
      '',
    ],
    [
      'KL(p ‖ q) estimate on fresh teacher draws, E_p[log p − log q]',
      pm(t.forwardKlEstimate, 4),
      String(t.forwardKlEstimate?.n ?? '–'),
      '',
    ],
    [
      'median per-draw log q − log p (student draws) / log p − log q (teacher draws)',
      `${fixed(t.klMedian, 4)} / ${fixed(t.forwardKlMedian, 4)}`,
      String(t.klEstimate?.n ?? '–'),
      '',
    ],
  ],
});

/**
 * The sampling speed-up of the IAF student over the MAF teacher, per size and backend, with the 20× criterion at dim 64.
 *
 * @example
 * ```ts
 * console.log(mdTable(speedupTable(report.distill)));
 * ```
 */
export const speedupTable = (d: DistillReport): Table => ({
  header: [
    'dim',
    'hidden',
    'transforms',
    'batch',
    'backend',
    'MAF samples/s',
    'IAF samples/s',
    'IAF / MAF',
    `≥ ${d.speedupThreshold}× at dim 64`,
  ],
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

/**
 * The KL history of the student (reverse, and forward when its weight is positive): the last per-step values, and the windowed curve thinned to about `points` rows.
 *
 * @example
 * ```ts
 * console.log(distillKlText(report.distill.training));
 * ```
 */
export const distillKlText = (t: DistillTraining, points = 8): string => {
  const s = t.student;
  if (s === undefined) return '';
  const every = Math.max(1, Math.ceil(s.klCurve.length / points));
  const curve = s.klCurve.filter((_, i) => i % every === every - 1 || i === s.klCurve.length - 1);
  const forward = s.forwardKlTail.length > 0;
  return [
    `Reverse-KL estimate KL(q‖p) per step (nats), last ${s.klTail.length}: ${s.klTail.map((v) => fixed(v, 4)).join(', ')}.`,
    ...(forward
      ? [
          `Forward-KL estimate KL(p‖q) per step (nats), last ${s.forwardKlTail.length}: ${s.forwardKlTail.map((v) => fixed(v, 4)).join(', ')}.`,
        ]
      : []),
    `Mean over windows of ${s.klWindow} steps${forward ? ' (reverse / forward)' : ''}: ${curve.map((c) => `step ${c.step}: ${fixed(c.kl, 4)}${c.forwardKl === undefined ? '' : ` / ${fixed(c.forwardKl, 4)}`}`).join(' · ')}.`,
  ].join('  \n');
};

/**
 * The distill objective in words, from the student's forward-KL weight α of `(1 − α)·KL(q‖p) + α·KL(p‖q)`.
 *
 * @example
 * ```ts
 * distillObjective(report.distill.training); // 'forward KL KL(p‖q) alone: maximum likelihood on …'
 * ```
 */
export const distillObjective = (t: DistillTraining): string => {
  const w = t.student?.forwardWeight ?? 0;
  if (w === 0) return "reverse KL KL(q‖p) on the student's own draws scored by the teacher";
  if (w === 1)
    return "forward KL KL(p‖q) alone: maximum likelihood on fresh teacher draws scored by the student (the reverse KL on the student's own draws is estimated and reported, not optimised)";
  return `${1 - w}·KL(q‖p) + ${w}·KL(p‖q): reverse KL on the student's own draws scored by the teacher, forward KL on fresh teacher draws scored by the student`;
};

/** The distill section's lead paragraph. */
const distillIntro = (d: DistillReport): string => {
  const t = d.training;
  const head = `MAF teacher trained on moons on the ${t.backend} backend, then an IAF student of the same size distilled from it (probability density distillation after van den Oord et al. 2018; objective: ${distillObjective(t)}). The student never sees the data. Test LL: average log-likelihood of the 5,000 moons test points under each model's own density (the student's evaluated by its sequential forward pass); criterion: mean student ≥ mean teacher − ${t.tolerance} nats.`;
  return t.status === 'ok' ? head : `${head}\n\n**failed**: ${t.reason ?? ''}`;
};

/** A reason cut to its first 160 characters for one-line summaries (the JSON and HTML keep it whole). */
const short = (text: string): string => (text.length <= 160 ? text : `${text.slice(0, 159)}…`);

const header = (report: BenchReport): string => {
  const o = report.options;
  const env = Object.entries(report.environment)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
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
    `${report.createdAt} · ${env} · wall ${duration(report.wallSeconds)}`,
    '',
    `Backends: ${o.mode === 'browser' ? 'wasm inside headless Chromium (see below)' : backends}`,
    ...(missing === '' ? [] : ['', `Flow packages skipped: ${missing}`]),
  ].join('\n');
};

/**
 * The whole report as Markdown. `detail: false` is the summary printed on
 * stdout (pivot tables, GEMM, leaks, quality table); `detail: true` adds the
 * per-cell appendix written to report.md.
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
  const parts = [header(report)];
  const backendsUsed = report.backends.filter((b) => b.available).map((b) => b.name);
  if (report.speed !== undefined) {
    const used = distinct(report.speed.rows.map((r) => r.backend));
    parts.push(
      '## Speed',
      `Median over up to ${report.options.reps} timed runs after ${report.options.warmup} warm-up(s); ± is half the IQR of the throughput; (×) is the ratio to zuko's figure at the same model and sizes (RESULTS.md, PyTorch on 2 threads, ±30% between processes).`,
      speedPivot(report.speed.rows, used.length > 0 ? used : backendsUsed),
      '### GEMM',
      mdTable(gemmTable(report.speed.gemm)),
      leakSummary([...report.speed.rows, ...report.speed.gemm]),
    );
    if (detail) parts.push('### Every cell', mdTable(speedDetail(report.speed.rows)));
  }
  if (report.browser !== undefined) {
    const b = report.browser;
    parts.push('## Browser (headless Chromium, wasm)');
    if (b.status !== 'ok') parts.push(`${b.status}: ${b.reason ?? ''}`);
    else {
      const wasm = b.wasm ?? {};
      parts.push(
        [
          `Chromium: ${b.chromium ?? '?'} (${b.userAgent ?? ''})`,
          `Cross-origin isolated: ${b.crossOriginIsolated === true ? 'yes' : 'no'}`,
          `wasm binary: ${String(wasm['flavour'] ?? 'unknown')} (${String(wasm['binary'] ?? '')}), threads ${String(wasm['threadsCount'] ?? '?')}`,
        ].join('  \n'),
        speedPivot(b.rows, ['browser-wasm']),
        mdTable(gemmTable(b.gemm)),
        leakSummary([...b.rows, ...b.gemm]),
      );
      if (detail) parts.push('### Every cell', mdTable(speedDetail(b.rows)));
    }
  }
  if (report.distill !== undefined) {
    const d = report.distill;
    const t = d.training;
    parts.splice(
      1,
      0,
      '## Distillation (moons)',
      distillIntro(d),
      mdTable(distillModelsTable(t)),
      mdTable(distillCrossTable(t)),
      ...(t.student === undefined ? [] : [distillKlText(t)]),
      '### Sampling speed-up, IAF student over MAF teacher',
      d.speedNote,
      mdTable(speedupTable(d)),
    );
    if (detail && d.pictures.length > 0)
      parts.push('### Pictures', d.pictures.map((p) => `- [${p.title}](${p.file})`).join('\n'));
  }
  if (report.quality !== undefined) {
    parts.push(
      '## Quality',
      `Test average log-likelihood in nats (higher is better): one seed ± its standard error over test examples, several seeds (\`--seeds\`) mean [min, max] over seeds with the mean of the per-seed medians, total wall time and Adam steps / epochs / stop reason per seed; zuko: mean [min, max] over 3 seeds (RESULTS.md). Adam 1e-3, batch 256, early stopping on val (patience 15 for 2-D, 30 for digits), capped at ${report.options.maxEpochs} epochs and ${report.options.budgetSeconds ?? '∞'} s per run.`,
      mdTable(qualityTable(report.quality.rows)),
    );
    if (detail && report.quality.pictures.length > 0) {
      parts.push(
        '### Pictures',
        report.quality.pictures.map((p) => `- [${p.title}](${p.file})`).join('\n'),
      );
    }
  }
  return `${parts.join('\n\n')}\n`;
};
