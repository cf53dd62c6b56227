import { duration, fixed, ratio, si } from '../format.js';
import type { BenchReport, QualityRow, SpeedRow } from '../model.js';

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
 * Quality results: test LL ± s.e. next to RESULTS.md's mean [min, max] and median.
 *
 * @example
 * ```ts
 * console.log(mdTable(qualityTable(report.quality.rows)));
 * ```
 */
export const qualityTable = (rows: readonly QualityRow[]): Table => ({
  header: [
    'data',
    'flow',
    'backend',
    'params',
    'test LL ± s.e.',
    'median',
    'zuko LL [min, max]',
    'zuko median',
    'Δ LL',
    'wall',
    'Adam steps',
    'epochs',
    'stopped by',
  ],
  rows: rows.map((r) => {
    const ref = r.reference;
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
        ]
      : [
          r.dataset,
          r.flow,
          r.backend,
          (r.params ?? 0).toLocaleString('en-US'),
          `${fixed(r.testLL, 3)} ± ${fixed(r.testLLStdErr, 3)}`,
          fixed(r.testMedian, 3),
          refText,
          ref?.median === undefined ? '–' : String(ref.median),
          ref === undefined || r.testLL === undefined ? '–' : fixed(r.testLL - ref.testLL, 3),
          duration(r.wallSeconds),
          String(r.steps ?? '–'),
          String(r.epochs ?? '–'),
          `${r.stoppedBy ?? '–'}${r.method === 'flow matching' ? ' (flow matching)' : ''}`,
        ];
  }),
});

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
  if (report.quality !== undefined) {
    parts.push(
      '## Quality',
      `Test average log-likelihood in nats (higher is better) ± its standard error over test examples; zuko: mean [min, max] over 3 seeds (RESULTS.md). Adam 1e-3, batch 256, early stopping on val (patience 15 for 2-D, 30 for digits), capped at ${report.options.maxEpochs} epochs and ${report.options.budgetSeconds ?? '∞'} s per run.`,
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
