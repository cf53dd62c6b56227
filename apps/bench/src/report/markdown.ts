import type { BenchReport } from '../model.js';
import { type Block, type Table, reportBlocks } from './sections.js';

/** A Markdown table (pipes escaped, value columns right-aligned), under its title in bold. */
export const mdTable = ({ header, rows, title }: Table): string => {
  const line = (r: readonly string[]) =>
    `| ${r.map((s) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ')).join(' | ')} |`;
  const rule = `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`;
  const body = [line(header), rule, ...rows.map(line)].join('\n');
  return title === undefined ? body : `**${title}**\n\n${body}`;
};

/** A block as Markdown paragraphs: charts are left out, pictures and details only with `detail`. */
const markdown = (b: Block, detail: boolean): string[] => {
  switch (b.kind) {
    case 'heading':
      return [`${'#'.repeat(b.level)} ${b.text}`];
    case 'text':
      return [b.text.replace(/\n/g, '  \n')];
    case 'table':
      return [mdTable(b.table)];
    case 'charts':
      return [];
    case 'pictures':
      return detail && b.pictures.length > 0
        ? ['### Pictures', b.pictures.map((p) => `- [${p.title}](${p.file})`).join('\n')]
        : [];
    case 'detail':
      return detail ? [`### ${b.title}`, ...b.blocks.flatMap((x) => markdown(x, detail))] : [];
  }
};

/** The report as Markdown: `detail: false` is the stdout summary, `true` report.md. */
export const renderMarkdown = (report: BenchReport, { detail }: { readonly detail: boolean }) =>
  `${reportBlocks(report)
    .flatMap((b) => markdown(b, detail))
    .join('\n\n')}\n`;
