import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { BenchReport } from '../model.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';

/** The report as JSON; pictures referenced by file name (their SVG text left out). */
export const renderJson = (report: BenchReport): string =>
  `${JSON.stringify(report, (key, value: unknown) => (key === 'svg' ? undefined : value), 2)}\n`;

/** Write report.json, report.md, report.html and every picture into `dir`; the paths written. */
export const writeReport = async (dir: string, report: BenchReport) => {
  const root = resolve(dir);
  const write = async (file: string, text: string): Promise<string> => {
    const path = join(root, file);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
    return path;
  };
  const pictures: string[] = [];
  for (const p of [...(report.quality?.pictures ?? []), ...(report.distill?.pictures ?? [])])
    pictures.push(await write(p.file, p.svg));
  return {
    dir: root,
    json: await write('report.json', renderJson(report)),
    markdown: await write('report.md', renderMarkdown(report, { detail: true })),
    html: await write('report.html', renderHtml(report)),
    pictures,
  };
};
