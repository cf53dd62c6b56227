import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decode } from 'fast-png';
import { digitsGridPng, gridPoints, heatmapPng, histogram2d } from '../src/pictures.js';
import { STORED_ORIGIN, storedReference } from '../src/reference.js';
import { renderHtml } from '../src/report/html.js';
import { mdTable, renderMarkdown } from '../src/report/markdown.js';
import { barChart, dotChart, escapeXml } from '../src/report/svg.js';
import { renderJson, writeReport } from '../src/report/write.js';
import { sampleReport } from './fixtures.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('Markdown writer', () => {
  it('renders a table with escaped pipes and right-aligned value columns', () => {
    expect(mdTable({ header: ['a', 'b'], rows: [['x|y', '1']] })).toBe(
      '| a | b |\n|---|---:|\n| x\\|y | 1 |',
    );
  });

  it('pivots the speed matrix: one column per backend, zuko figure and ratio next to the throughput', () => {
    const r = sampleReport();
    const md = renderMarkdown(r, { detail: false });
    expect(md).toContain(
      '**dim 2, hidden [64, 64], 5 transforms, train batch 256, logProb/sample batch 1024**',
    );
    const maf = md.split('\n').find((l) => l.startsWith('| autoregressive/maf | train'))!;
    // cpu: 256 / 0.11 s = 2327 samples/s = 0.038 × 62,000; wasm: 256 / 0.02 = 12.8k = 0.21 ×.
    expect(maf).toContain('2.33k/s');
    expect(maf).toContain('(0.038×)');
    expect(maf).toContain('12.8k/s');
    expect(maf).toContain('(0.21×)');
    expect(maf).toContain('62.0k/s (moons MAF, stored)');
    const glow = md.split('\n').find((l) => l.startsWith('| coupling/glow | logProb'))!;
    expect(glow).toContain('⚠leak');
    expect(glow).toContain('skipped');
  });

  it('summarises backends, GEMM, leaks and quality; the detailed version adds every cell', () => {
    const r = sampleReport();
    const summary = renderMarkdown(r, { detail: false });
    expect(summary).toContain('native ✗ (addon not built)');
    expect(summary).toContain('Flow packages skipped: continuous: no presets');
    expect(summary).toContain(
      '| wasm | 10.0 ms | 1.00 ms | 9.00 ms | 6.71 | 20.0 ms | 2.00 ms | 0 |',
    );
    expect(summary).toContain(
      'Tensor leaks in 1 cell(s): cpu coupling/glow logProb (+6 over 3 calls)',
    );
    expect(summary).toContain(
      '| moons | autoregressive/maf | cpu | 23,060 | -1.800 ± 0.020 | -1.550 | -1.738 [-1.777, -1.717] | -1.501 | -0.062 |',
    );
    expect(summary).toContain('failed: DivergedError: boom');
    expect(summary).not.toContain('### Every cell');
    const full = renderMarkdown(r, { detail: true });
    expect(full).toContain('### Every cell');
    expect(full).toContain('[moons <maf>](pictures/moons-maf.svg)');
  });
});

describe('one list of sections, two writers', () => {
  it('report.md and report.html have the same headings in the same order', () => {
    const r = sampleReport();
    const md = [...renderMarkdown(r, { detail: true }).matchAll(/^(?:#+ (.*)|\*\*(.*)\*\*)$/gm)];
    const html = [...renderHtml(r).matchAll(/<h\d>(.*?)<\/h\d>|<summary>(.*?)<\/summary>/g)];
    const titles = (ms: RegExpMatchArray[]) => ms.map((m) => m[1] ?? m[2]);
    expect(titles(html)).toEqual(titles(md));
    expect(titles(md)).toEqual([
      ...['bijective bench: speed mode, quick preset', 'Backends', 'Speed'],
      'dim 2, hidden [64, 64], 5 transforms, train batch 256, logProb/sample batch 1024',
      ...['GEMM', 'Every cell', 'Quality', 'Pictures'],
    ]);
  });
});

describe('HTML writer', () => {
  const html = renderHtml(sampleReport());

  it('is one self-contained page: no scripts, no external stylesheets, images or links', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link/i);
    expect(html).not.toMatch(/(src|href)="https?:/i);
    expect(html).not.toMatch(/url\(/i);
  });

  it('embeds the charts as inline SVG and the pictures verbatim', () => {
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(4); // train, logProb, GEMM, quality, picture
    expect(html).toContain('train: samples/s, dim 2, batch 256');
    expect(html).toContain('GEMM throughput');
    expect(html).toContain('moons: test average log-likelihood');
    expect(html).toContain('<svg xmlns="http://www.w3.org/2000/svg" id="pic">');
    // The same tables as report.md: the quality row, the pivot's sizes, every cell behind a summary.
    expect(html).toContain('<td class="n">-1.800 ± 0.020</td>');
    expect(html).toContain('<h3>dim 2, hidden [64, 64], 5 transforms, train batch 256');
    expect(html).toContain('<details><summary>Every cell</summary><table>');
  });

  it('escapes text', () => {
    const r = sampleReport();
    const evil = renderHtml({
      ...r,
      backends: [{ name: 'cpu', available: false, reason: '<img onerror=x>', details: {} }],
    });
    expect(evil).not.toContain('<img onerror');
    expect(evil).toContain('&lt;img onerror=x&gt;');
    expect(escapeXml(`a<b & "c" 'd'`)).toBe('a&lt;b &amp; &quot;c&quot; &#39;d&#39;');
  });
});

describe('SVG charts', () => {
  it('draws one bar per finite value and a tick per reference', () => {
    const svg = barChart(
      [
        { label: 'maf', values: [1000, 20000], reference: 62000 },
        { label: 'glow', values: [500, undefined] },
      ],
      { title: 't', series: ['cpu', 'wasm'], unit: 'samples/s', referenceLabel: 'zuko' },
    );
    expect((svg.match(/<rect [^>]*><title>/g) ?? []).length).toBe(3); // bars carry a tooltip; legend swatches do not
    expect(svg).toContain('zuko: 62k samples/s');
    expect(svg).toContain('(log scale)');
  });

  it('says so when there is nothing to draw', () => {
    expect(barChart([], { title: 'empty', series: [], unit: 'x' })).toContain('no data');
    expect(dotChart([{ label: 'a', value: undefined }], { title: 'e', unit: 'nats' })).toContain(
      'no data',
    );
  });

  it('places a dot, an error bar and the reference diamond', () => {
    const svg = dotChart(
      [
        {
          label: 'maf',
          value: -1.8,
          error: 0.02,
          reference: -1.738,
          referenceRange: [-1.777, -1.717],
        },
      ],
      { title: 'moons', unit: 'nats' },
    );
    expect((svg.match(/<circle/g) ?? []).length).toBe(2); // the dot and the legend's dot
    expect(svg).toContain('zuko: -1.738');
  });
});

describe('JSON writer and files', () => {
  it('keeps every number but leaves picture SVG text out', () => {
    const parsed = JSON.parse(renderJson(sampleReport())) as {
      speed: { rows: { samplesPerSecond: number }[] };
      quality: { pictures: Record<string, unknown>[] };
    };
    expect(parsed.speed.rows[0]!.samplesPerSecond).toBeCloseTo(256 / 0.11, 6);
    expect(parsed.quality.pictures[0]).toEqual({
      title: 'moons <maf>',
      file: 'pictures/moons-maf.svg',
    });
  });

  it('writes report.json, report.md, report.html and the pictures into a new folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bench-report-'));
    dirs.push(dir);
    const out = join(dir, 'nested', 'out');
    const files = await writeReport(out, sampleReport());
    for (const f of [files.json, files.markdown, files.html, ...files.pictures])
      expect(existsSync(f)).toBe(true);
    expect(readFileSync(join(out, 'pictures', 'moons-maf.svg'), 'utf8')).toContain('id="pic"');
    expect(readFileSync(files.markdown, 'utf8')).toContain('### Every cell');
  });
});

describe('pictures', () => {
  it('draws a heat map as a PNG whose pixels decode to viridis, brightest at the maximum', () => {
    const png = heatmapPng([0, 4, 2, 0], 2);
    const img = decode(png);
    expect([img.width, img.height, img.channels, img.depth]).toEqual([2, 2, 3, 8]);
    // 0 is viridis' first stop, the maximum its last, half of it the middle stop (33, 144, 141).
    expect([...img.data]).toEqual([68, 1, 84, 253, 231, 37, 33, 144, 141, 68, 1, 84]);
  });

  it('bins points on the same grid as the density evaluation', () => {
    const w = { lo: -1, hi: 1 };
    const pts = gridPoints(w, 2);
    // Row 0 is the top (y > 0): centres (-0.5, 0.5), (0.5, 0.5), then (-0.5, -0.5), (0.5, -0.5).
    expect([...pts]).toEqual([-0.5, 0.5, 0.5, 0.5, -0.5, -0.5, 0.5, -0.5]);
    expect([...histogram2d(pts, w, 2)]).toEqual([1, 1, 1, 1]);
    expect([...histogram2d(new Float32Array([0.9, 0.9, 5, 5]), w, 2)]).toEqual([0, 1, 0, 0]);
  });

  it('lays out digits 9 pixels apart with white borders', () => {
    const img = new Float32Array(64 * 2).fill(1);
    const png = digitsGridPng(img, 2, 2);
    expect(png.readUInt32BE(16)).toBe(19); // 2·9 + 1
    expect(png.readUInt32BE(20)).toBe(10);
  });
});

describe('reference lookup', () => {
  it("matches RESULTS.md's sizes exactly, or not at all", () => {
    const moons = { dim: 2, hidden: [64, 64], transforms: 5 };
    expect(storedReference('MAF', 'train', { ...moons, batch: 256 })).toEqual({
      dataset: 'moons',
      model: 'MAF',
      samplesPerSecond: 62000,
      source: 'stored',
      origin: STORED_ORIGIN,
    });
    expect(storedReference('NSF', 'sample', { ...moons, batch: 1024 })?.samplesPerSecond).toBe(
      113000,
    );
    expect(
      storedReference('RealNVP', 'logProb', {
        dim: 64,
        hidden: [128, 128],
        transforms: 5,
        batch: 1024,
      })?.samplesPerSecond,
    ).toBe(105000);
    expect(storedReference('MAF', 'train', { ...moons, batch: 128 })).toBeUndefined();
    expect(
      storedReference('MAF', 'train', { ...moons, hidden: [32, 32], batch: 256 }),
    ).toBeUndefined();
    expect(storedReference(undefined, 'train', { ...moons, batch: 256 })).toBeUndefined();
  });
});
