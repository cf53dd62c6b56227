import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { CHROMIUM, chromiumMissing, launchChromium } from '@bijective/browser-testing';
import { describe, expect, it } from 'vitest';
import { fixturePath, loadCase } from './fixtures.js';

// As users run it: a minified production bundle of the package root (esbuild, platform
// 'browser', no Node built-ins available), in headless Chromium, fed Blobs.
describe.skipIf(chromiumMissing() !== undefined)(
  'in Chromium: a production bundle of the root entry',
  () => {
    it("reads zuko state dicts from Blobs and matches zuko's log_prob; toZuko → Blob → parse", async () => {
      const bundle = await build({
        entryPoints: [fileURLToPath(new URL('./browser/entry.ts', import.meta.url))],
        bundle: true,
        write: false,
        format: 'iife',
        globalName: 'interopCheck',
        platform: 'browser',
        target: 'es2022',
        minify: true,
        conditions: ['@bijective/source'],
        define: { 'process.env.NODE_ENV': '"production"' },
        logLevel: 'silent',
      });
      const code = bundle.outputFiles[0]!.text;
      expect(code).not.toMatch(/node:fs/);
      const payload = (['maf-2', 'realnvp-2', 'nsf-2'] as const).map((name) => ({
        name,
        flow: loadCase(name).flow,
        stateDict: readFileSync(fixturePath(`${name}.safetensors`)).toString('base64'),
        data: readFileSync(fixturePath(`${name}.data.safetensors`)).toString('base64'),
      }));
      const browser = await launchChromium(CHROMIUM);
      try {
        const page = await browser.newPage();
        await page.setContent('<!doctype html><html><body></body></html>');
        await page.addScriptTag({ content: code });
        const results = (await page.evaluate(
          (p) =>
            (
              globalThis as unknown as { interopCheck: { run: (x: unknown) => Promise<unknown> } }
            ).interopCheck.run(p),
          payload,
        )) as {
          name: string;
          maxDiff: number;
          keys: number;
          roundTripKeys: number;
          backend: string;
        }[];
        expect(results.map((r) => r.name)).toEqual(['maf-2', 'realnvp-2', 'nsf-2']);
        for (const r of results) {
          expect(r.maxDiff, r.name).toBeLessThan(1e-4);
          expect(r.roundTripKeys, r.name).toBe(r.keys);
        }
      } finally {
        await browser.close().catch(() => undefined);
      }
    }, 180_000);
  },
);
