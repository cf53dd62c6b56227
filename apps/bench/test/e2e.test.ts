import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { launchChromium } from '@bijective/browser-testing';
import { chromiumMissing } from '../src/browser.js';
import { main } from '../src/run.js';
import { words } from './fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const missing = chromiumMissing(CHROMIUM);
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const silent = { stdout: { write: () => true }, stderr: { write: () => true, isTTY: false } };

/** Draw a tiny report of a mode and return the folder it was written to. */
const report = async (mode: 'speed' | 'quality'): Promise<string> => {
  const out = await mkdtemp(join(tmpdir(), `bench-e2e-${mode}-`));
  dirs.push(out);
  const extra =
    mode === 'quality'
      ? ['--mode', 'quality', '--datasets', 'moons,digits', '--max-steps', '1']
      : ['--reps', '1', '--warmup', '0', '--batch', '16', '--eval-batch', '16'];
  const r = await main(
    [
      ...words('--flows core/diagonalGaussianFlow --backends cpu --no-progress --out'),
      out,
      ...extra,
    ],
    silent,
  );
  expect(r.code).toBe(0);
  return out;
};

// CI machines have no Chromium; the test states why it is skipped instead of failing.
describe.skipIf(missing !== undefined)(
  `HTML report in headless Chromium${missing === undefined ? '' : ` (skipped: ${missing})`}`,
  () => {
    it('renders the charts and pictures, and a screenshot is taken', async () => {
      const speed = await report('speed');
      const quality = await report('quality');
      const browser = await launchChromium(CHROMIUM);
      try {
        const page = await browser.newPage();
        const requests: string[] = [];
        page.on('request', (r) => requests.push(r.url()));
        await page.setViewportSize({ width: 1200, height: 900 });
        for (const dir of [speed, quality]) {
          await page.goto(pathToFileURL(join(dir, 'report.html')).href);
          // Every chart is a visible inline SVG with a real size.
          const boxes = await page.$$eval('svg', (els) =>
            els.map((e) => e.getBoundingClientRect()).map((b) => b.width * b.height),
          );
          expect(boxes.length).toBeGreaterThanOrEqual(4); // speed: train, logProb, sample, GEMM; quality: 2 LL charts + 2 pictures
          expect(boxes.every((a) => a > 1000)).toBe(true);
          const shot = join(dir, 'report.png');
          await page.screenshot({ path: shot, fullPage: true });
          expect(statSync(shot).size).toBeGreaterThan(20_000);
        }
        // The quality report's pictures: every panel is an inline PNG that decoded to its full size.
        const images = await page.$$eval('svg image', (els) =>
          els.map((e) => ({
            href: e.getAttribute('href') ?? '',
            w: e.getBoundingClientRect().width,
          })),
        );
        expect(images.length).toBe(5); // moons: data, density, samples; digits: test images, samples
        expect(images.every((i) => i.href.startsWith('data:image/png;base64,') && i.w > 100)).toBe(
          true,
        );
        // Self-contained: nothing but the report file itself was requested.
        expect(requests.every((u) => u.startsWith('file://') || u.startsWith('data:'))).toBe(true);
      } finally {
        await browser.close();
      }
    });
  },
);
