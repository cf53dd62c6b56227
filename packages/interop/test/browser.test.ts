import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { fixturePath, loadCase } from './fixtures.js';

const CHROMIUM = process.env['CHROMIUM'] ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// As users run it: a minified production bundle of the package root (esbuild, platform
// 'browser', no Node built-ins available), in headless Chromium, fed Blobs.
describe.skipIf(!existsSync(CHROMIUM))('in Chromium: a production bundle of the root entry', () => {
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
    const dir = mkdtempSync(join(tmpdir(), 'interop-chromium-'));
    const context = await chromium.launchPersistentContext(dir, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
    });
    try {
      const page = await context.newPage();
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
      await context.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
