import type { BenchReport } from '../model.js';
import { type Block, reportBlocks } from './sections.js';
import { escapeXml } from './svg.js';

const NUMERIC = /^([-+−]?[\d.,]+|–)/;

const CSS = `
body{font-family:system-ui,-apple-system,sans-serif;margin:24px auto;max-width:1200px;color:#222;padding:0 16px}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd}h3{font-size:15px}
table{border-collapse:collapse;font-size:12px;margin:8px 0 16px}th,td{border:1px solid #ddd;padding:3px 7px}
th{background:#f4f4f4;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
.meta{color:#555;font-size:13px}.charts{display:flex;flex-wrap:wrap;gap:12px}.chart{border:1px solid #eee;padding:4px}
figure{margin:8px 0 20px}figcaption{font-size:13px;color:#444;margin-bottom:4px}
details summary{cursor:pointer;color:#0366d6}
`;

/** A block as HTML: text escaped, numeric cells right-aligned, SVG charts and pictures inline. */
const html = (b: Block): string => {
  switch (b.kind) {
    case 'heading':
      return `<h${b.level}>${escapeXml(b.text)}</h${b.level}>`;
    case 'text':
      return `<p class="meta">${escapeXml(b.text).replace(/\n/g, '<br>')}</p>`;
    case 'table': {
      const { header, rows, title } = b.table;
      const cell = (c: string, i: number) =>
        `<td${i > 0 && NUMERIC.test(c) ? ' class="n"' : ''}>${escapeXml(c)}</td>`;
      return `${title === undefined ? '' : `<h3>${escapeXml(title)}</h3>`}<table><thead><tr>${header.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`).join('')}</tbody></table>`;
    }
    case 'charts':
      return `<div class="charts">${b.svgs.map((s) => `<div class="chart">${s}</div>`).join('')}</div>`;
    case 'pictures':
      return b.pictures.length === 0
        ? ''
        : `<h3>Pictures</h3>${b.pictures.map((p) => `<figure>${p.svg}</figure>`).join('\n')}`;
    case 'detail':
      return `<details><summary>${escapeXml(b.title)}</summary>${b.blocks.map(html).join('\n')}</details>`;
  }
};

/** The self-contained HTML report: inline CSS, SVG charts and pictures; no script or other file. */
export const renderHtml = (report: BenchReport): string => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>bijective bench: ${escapeXml(report.options.mode)} (${escapeXml(report.options.preset)})</title><style>${CSS}</style></head>
<body>
${reportBlocks(report).map(html).join('\n')}
</body></html>
`;
