import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { BenchReport } from '../model.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';

/**
 * The report as JSON: every option, status, timing summary and result;
 * pictures are referenced by file name (their SVG text is left out).
 *
 * @example
 * ```ts
 * JSON.parse(renderJson(report)).speed.rows[0].samplesPerSecond;
 * ```
 */
export const renderJson = (report: BenchReport): string =>
  `${JSON.stringify(report, (key, value: unknown) => (key === 'svg' ? undefined : value), 2)}\n`;

/** Paths of the files {@link writeReport} wrote. */
export interface WrittenReport {
  readonly dir: string;
  readonly json: string;
  readonly markdown: string;
  readonly html: string;
  readonly pictures: readonly string[];
}

/**
 * Write report.json, report.md, report.html and every picture (as its own
 * SVG file) into `dir`, creating it as needed.
 *
 * @example
 * ```ts
 * const files = await writeReport('./bench-out', report);
 * console.error(`report: ${files.html}`);
 * ```
 */
export const writeReport = async (dir: string, report: BenchReport): Promise<WrittenReport> => {
  const root = resolve(dir);
  await mkdir(root, { recursive: true });
  const json = join(root, 'report.json');
  const markdown = join(root, 'report.md');
  const html = join(root, 'report.html');
  const pictures: string[] = [];
  for (const p of [...(report.quality?.pictures ?? []), ...(report.distill?.pictures ?? [])]) {
    const file = join(root, p.file);
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(file, p.svg);
    pictures.push(file);
  }
  await writeFile(json, renderJson(report));
  await writeFile(markdown, renderMarkdown(report, { detail: true }));
  await writeFile(html, renderHtml(report));
  return { dir: root, json, markdown, html, pictures };
};
