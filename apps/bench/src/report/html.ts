import type { BenchReport, QualityRow, SpeedRow } from '../model.js';
import {
  distillCrossTable,
  distillIntro,
  distillKlText,
  distillModelsTable,
  distinct,
  gemmTable,
  leakSummary,
  qualityTable,
  speedDetail,
  speedPivotTables,
  speedupTable,
  type Table,
  speedLead,
  runLine,
} from './markdown.js';
import type { ZukoReferenceInfo } from '../zukoLive.js';
import { barChart, dotChart, escapeXml } from './svg.js';

const NUMERIC = /^([-+−]?[\d.,]+|–)/;

/** An HTML table (cells escaped; numeric cells right-aligned). */
const htmlTable = ({ header, rows }: Table): string =>
  `<table><thead><tr>${header.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map(
      (r) =>
        `<tr>${r.map((c, i) => `<td${i > 0 && NUMERIC.test(c) ? ' class="n"' : ''}>${escapeXml(c)}</td>`).join('')}</tr>`,
    )
    .join('')}</tbody></table>`;

const OPS = ['train', 'logProb', 'sample'] as const;

/** Throughput charts: per size and operation, bars per flow and backend, zuko's figure as a tick. */
const speedCharts = (rows: readonly SpeedRow[], backends: readonly string[]): string[] =>
  distinct(rows.map((r) => r.dim)).flatMap((dim) =>
    OPS.flatMap((op) => {
      const rs = rows.filter((r) => r.dim === dim && r.op === op);
      if (rs.length === 0) return [];
      const groups = distinct(rs.map((r) => r.flow)).map((flow) => {
        const cells = rs.filter((r) => r.flow === flow);
        const ref = cells.find((r) => r.reference !== undefined)?.reference?.samplesPerSecond;
        return {
          label: flow,
          values: backends.map(
            (b) => cells.find((r) => r.backend === b && r.status === 'ok')?.samplesPerSecond,
          ),
          ...(ref === undefined ? {} : { reference: ref }),
        };
      });
      const title = `${op}: samples/s, dim ${dim}, batch ${rs[0]!.batch}`;
      return [
        barChart(groups, {
          title,
          series: backends,
          unit: 'samples/s',
          referenceLabel: rows.some((r) => r.reference?.source === 'live')
            ? 'zuko (live)'
            : 'zuko (stored, RESULTS.md)',
        }),
      ];
    }),
  );

/** GEMM GFLOP/s per backend as bars (linear axis). */
const gemmChart = (rows: readonly SpeedRow[]): string =>
  barChart(
    [
      {
        label: 'matMul 512x256 @ 256x256',
        values: rows.map((r) => (r.status === 'ok' ? r.gflops : undefined)),
      },
    ],
    { title: 'GEMM throughput', series: rows.map((r) => r.backend), unit: 'GFLOP/s', log: false },
  );

/** Test log-likelihood per data set: bijective ± s.e. next to zuko's mean and [min, max]. */
const qualityCharts = (rows: readonly QualityRow[]): string[] =>
  distinct(rows.map((r) => r.dataset)).map((dataset) =>
    dotChart(
      rows
        .filter((r) => r.dataset === dataset)
        .map(({ flow, backend, status, testLL, testLLStdErr: error, reference: ref }) => ({
          label: `${flow} (${backend})`,
          value: status === 'ok' ? testLL : undefined,
          ...(error === undefined ? {} : { error }),
          ...(ref === undefined ? {} : { reference: ref.testLL }),
          ...(ref?.testLLMin !== undefined && ref.testLLMax !== undefined
            ? { referenceRange: [ref.testLLMin, ref.testLLMax] as const }
            : {}),
        })),
      { title: `${dataset}: test average log-likelihood`, unit: 'nats' },
    ),
  );

const chartRow = (svgs: readonly string[]): string =>
  `<div class="charts">${svgs.map((s) => `<div class="chart">${s}</div>`).join('')}</div>`;
const meta = (text: string): string => `<p class="meta">${escapeXml(text)}</p>`;

const CSS = `
body{font-family:system-ui,-apple-system,sans-serif;margin:24px auto;max-width:1200px;color:#222;padding:0 16px}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd}h3{font-size:15px}
table{border-collapse:collapse;font-size:12px;margin:8px 0 16px}th,td{border:1px solid #ddd;padding:3px 7px}
th{background:#f4f4f4;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
.meta{color:#555;font-size:13px}.charts{display:flex;flex-wrap:wrap;gap:12px}.chart{border:1px solid #eee;padding:4px}
figure{margin:8px 0 20px}figcaption{font-size:13px;color:#444;margin-bottom:4px}
details summary{cursor:pointer;color:#0366d6}
`;

/**
 * The self-contained HTML report: one file with inline CSS, tables, SVG
 * charts (throughput per operation, GEMM GFLOP/s, log-likelihood against
 * zuko) and the quality pictures inlined as SVG. No script, no external assets.
 *
 * @example
 * ```ts
 * await writeFile('bench-out/report.html', renderHtml(report));
 * ```
 */
export const renderHtml = (report: BenchReport): string => {
  const { options: o, distill: d, browser: b, quality } = report;
  const body = [
    `<h1>bijective bench: ${escapeXml(o.mode)} mode, ${escapeXml(o.preset)} preset</h1>`,
    meta(runLine(report, ' · ')),
    htmlTable({
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
  ];
  if (report.flows.missing.length > 0)
    body.push(
      meta(
        `Flow packages skipped: ${report.flows.missing.map((m) => `${m.family} (${m.reason})`).join('; ')}`,
      ),
    );
  const speedSection = (
    title: string,
    rows: readonly SpeedRow[],
    gemm: readonly SpeedRow[],
    backends: readonly string[],
    zuko: ZukoReferenceInfo | undefined,
  ) =>
    body.push(
      `<h2>${escapeXml(title)}</h2>`,
      meta(speedLead(o, zuko)),
      chartRow(speedCharts(rows, backends)),
      ...speedPivotTables(rows, backends).flatMap(({ title: t, table }) => [
        `<h3>${escapeXml(t)}</h3>`,
        htmlTable(table),
      ]),
      '<h3>GEMM</h3>',
      `<div class="chart">${gemmChart(gemm)}</div>`,
      htmlTable(gemmTable(gemm)),
      `<p>${escapeXml(leakSummary([...rows, ...gemm]))}</p>`,
      `<details><summary>Every cell</summary>${htmlTable(speedDetail(rows))}</details>`,
    );
  if (d !== undefined) {
    const t = d.training;
    body.push('<h2>Distillation (moons)</h2>', meta(distillIntro(t, 'the moons test points')));
    if (t.status !== 'ok')
      body.push(`<p><strong>failed</strong>: ${escapeXml(t.reason ?? '')}</p>`);
    body.push(htmlTable(distillModelsTable(t)), htmlTable(distillCrossTable(t)));
    if (t.student !== undefined) body.push(meta(distillKlText(t)).replace(/ {2}\n/g, '<br>'));
    body.push(
      '<h3>Sampling speed-up, IAF student over MAF teacher</h3>',
      meta(d.speedNote),
      htmlTable(speedupTable(d)),
      ...d.pictures.map((p) => `<figure>${p.svg}</figure>`),
    );
  }
  if (report.speed !== undefined) {
    const { rows, gemm } = report.speed;
    speedSection('Speed', rows, gemm, distinct(rows.map((r) => r.backend)), report.speed.zuko);
  }
  if (b?.status === 'ok') {
    speedSection('Browser (headless Chromium, wasm)', b.rows, b.gemm, ['browser-wasm'], undefined);
    const wasm = `${String(b.wasm?.['flavour'] ?? 'unknown')} ${String(b.wasm?.['binary'] ?? '')}`;
    body.push(
      htmlTable({
        header: ['Chromium', 'user agent', 'cross-origin isolated', 'wasm binary'],
        rows: [
          [
            b.chromium ?? '',
            b.userAgent ?? '',
            b.crossOriginIsolated === true ? 'yes' : 'no',
            wasm,
          ],
        ],
      }),
    );
  } else if (b !== undefined)
    body.push(
      '<h2>Browser (headless Chromium, wasm)</h2>',
      `<p>${escapeXml(`${b.status}: ${b.reason ?? ''}`)}</p>`,
    );
  if (quality !== undefined) {
    body.push(
      '<h2>Quality</h2>',
      meta(
        `Test average log-likelihood in nats (higher is better) ± standard error over test examples, next to zuko's mean and [min, max] over 3 seeds. Adam 1e-3, batch 256, early stopping on val (patience 15 for 2-D, 30 for digits), capped at ${o.maxEpochs} epochs and ${o.budgetSeconds ?? '∞'} s per run.`,
      ),
      chartRow(qualityCharts(quality.rows)),
      htmlTable(qualityTable(quality.rows)),
    );
    if (quality.pictures.length > 0)
      body.push('<h3>Pictures</h3>', ...quality.pictures.map((p) => `<figure>${p.svg}</figure>`));
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>bijective bench: ${escapeXml(o.mode)} (${escapeXml(o.preset)})</title><style>${CSS}</style></head>
<body>
${body.join('\n')}
</body></html>
`;
};
