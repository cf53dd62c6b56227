import { cpSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { haveChromium, launchChromium, serveStatic } from '@bijective/browser-testing';
import { freshProject, run, withTarballs } from './project.js';

/** Gzipped JavaScript of the production build, the .wasm binaries excluded (issue 12's target). */
const MAX_GZIP_KB = 120;
/** Held-out log-likelihood after the page's 30 epochs (Node reaches about -1.9 with these settings). */
const PAGE_TEST_LL = -2.1;

const web = resolve(import.meta.dirname, '../web');
const artifacts = resolve(import.meta.dirname, '../test-artifacts');

describe.runIf(haveChromium())(
  'a vite production build that trains in a Web Worker, in Chromium',
  () => {
    const tarballs = inject('tarballs');
    let dist = '';
    beforeAll(() => {
      const dir = freshProject(tarballs);
      const packages = [
        '@bijective/core',
        '@bijective/coupling',
        '@bijective/backend-wasm',
        'fp-ts',
      ];
      run(dir, 'npm', ['install', ...withTarballs(packages, tarballs), 'vite@7']);
      cpSync(web, dir, { recursive: true });
      run(dir, 'npx', ['vite', 'build', '--logLevel', 'warn']);
      dist = join(dir, 'dist');
    });

    it(`bundles to at most ${MAX_GZIP_KB} kB of gzipped JavaScript`, () => {
      const assets = join(dist, 'assets');
      const js = readdirSync(assets).filter((f) => f.endsWith('.js'));
      const kb =
        js.reduce((s, f) => s + gzipSync(readFileSync(join(assets, f)), { level: 9 }).length, 0) /
        1000;
      console.log(
        `production bundle (page + worker, gzip -9, .wasm excluded): ${kb.toFixed(1)} kB in ${js.length} files`,
      );
      expect(kb).toBeLessThanOrEqual(MAX_GZIP_KB);
    });

    describe('in headless Chromium', () => {
      let close: () => Promise<void> = async () => {};
      let url = '';
      beforeAll(async () => {
        ({ url, close } = await serveStatic(dist));
      });
      afterAll(() => close());

      it('trains in the worker on wasm, beats the held-out threshold and logs no error', async () => {
        const browser = await launchChromium();
        try {
          const page = await browser.newPage({ viewport: { width: 800, height: 600 } });
          const errors: string[] = [];
          page.on('console', (m) => {
            if (m.type() === 'error') errors.push(m.text());
          });
          page.on('pageerror', (e) => errors.push(e.message));
          await page.goto(url);
          await page.waitForFunction(
            () =>
              'result' in window ||
              (document.getElementById('status')?.textContent ?? '').startsWith('error'),
            undefined,
            { timeout: 300_000 },
          );
          mkdirSync(artifacts, { recursive: true });
          await page.screenshot({ path: join(artifacts, 'worker-page.png') });
          expect(errors).toEqual([]);
          const result = (await page.evaluate(
            () => (window as unknown as { result: unknown }).result,
          )) as {
            backend: string;
            inWorker: boolean;
            testLL: number;
            samples: number[][];
          };
          console.log(
            `page: backend ${result.backend}, test log-likelihood ${result.testLL.toFixed(3)}`,
          );
          expect(result.inWorker).toBe(true);
          expect(result.backend).toBe('wasm');
          expect(result.samples).toHaveLength(500);
          expect(result.testLL).toBeGreaterThan(PAGE_TEST_LL);
        } finally {
          await browser.close();
        }
      });
    });
  },
);
