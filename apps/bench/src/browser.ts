import { existsSync, realpathSync } from 'node:fs';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, serveStatic } from '@bijective/browser-testing';
import type { Browser } from 'playwright-core';
import type { BenchOptions } from './args.js';
import { errorText } from './format.js';
import type { PageOptions, PageState } from './browser/page.js';
import { type FlowCatalog, type FlowEntry, prioritize } from './flows.js';
import type { BrowserInfo, SpeedMatrix, SpeedRow } from './model.js';
import { type ProgressSink, speedSizes } from './speed.js';

/** The app's root folder (`apps/bench`), from `src/` or `dist/`. */
const APP_DIR = fileURLToPath(new URL('..', import.meta.url));

/** Why Chromium cannot be used at `path`, or `undefined` if it exists. */
export const chromiumMissing = (path: string): string | undefined =>
  existsSync(path)
    ? undefined
    : `no Chromium at ${path} (install Debian's: apt-get install -y chromium, or pass --chromium PATH)`;

/** The folder holding tfjs's .wasm binaries, found through @bijective/backend-wasm's dependency. */
const wasmDir = (): string | undefined => {
  try {
    const pkg = realpathSync(join(APP_DIR, 'node_modules', '@bijective', 'backend-wasm'));
    const main = createRequire(join(pkg, 'package.json')).resolve('@tensorflow/tfjs-backend-wasm');
    return existsSync(join(dirname(main), 'tfjs-backend-wasm-simd.wasm'))
      ? dirname(main)
      : undefined;
  } catch {
    return undefined;
  }
};

const NODE_BUILTINS =
  /^(node:)?(fs|fs\/promises|path|os|url|zlib|util|crypto|worker_threads|perf_hooks|child_process|module|http|net|stream|buffer)$/;

/** Bundle the page with esbuild: flow packages imported statically, Node built-ins stubbed. */
const bundlePage = async (catalog: FlowCatalog): Promise<string> => {
  const esbuild = await import('esbuild');
  const here = fileURLToPath(new URL('.', import.meta.url));
  const page = ['page.js', 'page.ts'].map((f) => join(here, 'browser', f)).find(existsSync);
  if (page === undefined) throw new Error(`page module not found next to ${here}`);
  const json = JSON.stringify;
  const modules = catalog.loaded.map(
    (l, i) =>
      `{ family: ${json(l.family)}, packageName: ${json(l.packageName)}, ok: true, module: m${i} }`,
  );
  const continuous = catalog.loaded.findIndex((l) => l.packageName === '@bijective/continuous');
  const entry = [
    `import { runPage } from ${json(page)};`,
    `import { wasmBackend } from '@bijective/backend-wasm';`,
    ...catalog.loaded.map((l, i) => `import * as m${i} from ${json(l.packageName)};`),
    `void runPage([${modules.join(', ')}], wasmBackend${continuous < 0 ? '' : `, m${continuous}`});`,
  ].join('\n');
  const result = await esbuild.build({
    stdin: { contents: entry, resolveDir: APP_DIR, loader: 'js', sourcefile: 'bench-entry.js' },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['@bijective/source'],
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
    plugins: [
      {
        name: 'node-builtins-stub',
        setup: (build) => {
          build.onResolve({ filter: NODE_BUILTINS }, (a) => ({ path: a.path, namespace: 'stub' }));
          build.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents: '', loader: 'js' }));
        },
      },
    ],
  });
  const text = result.outputFiles[0]?.text;
  if (text === undefined) throw new Error('esbuild produced no output');
  return text;
};

const PAGE_HTML = `<!doctype html><html><head><meta charset="utf-8"><title>bijective bench (browser)</title></head>
<body><p>bijective bench: running the wasm rows…</p><script type="module" src="/page.js"></script></body></html>`;

export interface BrowserHooks {
  readonly status: (text: string, final?: boolean) => void;
  readonly progress: ProgressSink;
}

/** A progress line of the page (`bench:` and JSON; see `browser/page.ts`). */
interface PageProgress {
  readonly kind: string;
  readonly total?: number;
  readonly index?: number;
  readonly label?: string;
  readonly row?: SpeedRow;
}

/**
 * The browser mode: the bundled page and tfjs's .wasm binaries on 127.0.0.1, cross-origin isolated
 * (SharedArrayBuffer, hence threaded wasm), in headless Chromium; skipped without either.
 */
export const runBrowser = async (
  o: BenchOptions,
  catalog: FlowCatalog,
  entries: readonly FlowEntry[],
  hooks: BrowserHooks,
): Promise<BrowserInfo & SpeedMatrix> => {
  const none = { rows: [], gemm: [] };
  const wasm = wasmDir();
  const missing =
    chromiumMissing(o.chromium) ??
    (wasm === undefined
      ? 'tfjs-backend-wasm binaries not found (is @bijective/backend-wasm installed?)'
      : undefined);
  if (missing !== undefined || wasm === undefined) {
    hooks.status(`[browser] skipped: ${missing}`, true);
    return { status: 'skipped', reason: missing, ...none };
  }
  const dir = await mkdtemp(join(tmpdir(), 'bench-page-'));
  let browser: Browser | undefined;
  let close = () => Promise.resolve();
  try {
    hooks.status('[browser] bundling the page');
    const bundle = await bundlePage(catalog).catch((e: unknown) => {
      throw new Error(`could not bundle the page: ${errorText(e)}`);
    });
    await writeFile(join(dir, 'index.html'), PAGE_HTML);
    await writeFile(join(dir, 'page.js'), bundle);
    await symlink(wasm, join(dir, 'wasm'));
    const server = await serveStatic(dir, { isolated: true });
    close = server.close;
    hooks.status(`[browser] launching ${o.chromium}`);
    browser = await launchChromium(o.chromium);
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (msg) => {
      if (!msg.text().startsWith('bench:')) return;
      const p = JSON.parse(msg.text().slice(6)) as PageProgress;
      if (p.kind === 'start') hooks.progress.start(p.total ?? 0);
      else if (p.kind === 'begin') hooks.progress.begin(p.index ?? 0, p.label ?? '');
      else if (p.kind === 'done' && p.row !== undefined) hooks.progress.done(p.index ?? 0, p.row);
      else if (p.kind === 'finish') hooks.progress.finish();
    });
    const pageOptions: PageOptions = {
      flows: prioritize(entries).map((e) => e.id),
      ops: o.ops,
      sizes: speedSizes(o),
      warmup: o.warmup,
      reps: o.reps,
      cellSeconds: o.cellSeconds,
      budgetSeconds: o.budgetSeconds,
      seed: o.seed,
    };
    await page.goto(`${server.url}?o=${encodeURIComponent(JSON.stringify(pageOptions))}`);
    const timeout = ((o.budgetSeconds ?? 3600) + 300) * 1000;
    // Both callbacks run in the page.
    await page.waitForFunction(
      () => (globalThis as { __bench?: PageState }).__bench?.done === true,
      undefined,
      { timeout, polling: 250 },
    );
    const r = await page.evaluate(() => (globalThis as { __bench?: PageState }).__bench?.result);
    if (r === undefined) {
      const why = errors.length > 0 ? `: ${errors.join('; ')}` : '';
      const reason = `the page produced no result${why}`;
      return { status: 'failed', reason, chromium: o.chromium, ...none };
    }
    const { userAgent, crossOriginIsolated, wasm: binary, rows, gemm } = r;
    hooks.status(
      `[browser] cross-origin isolated: ${crossOriginIsolated ? 'yes' : 'no'}; wasm binary: ${String(binary['flavour'] ?? 'unknown')}`,
      true,
    );
    const info = { chromium: o.chromium, userAgent, crossOriginIsolated, wasm: binary };
    const status = r.ok
      ? { status: 'ok' as const }
      : { status: 'failed' as const, reason: r.error ?? 'unknown error in the page' };
    return { ...status, ...info, rows, gemm };
  } catch (e) {
    const reason = errorText(e);
    hooks.status(`[browser] failed: ${reason}`, true);
    return { status: 'failed', reason, chromium: o.chromium, ...none };
  } finally {
    await browser?.close();
    await close();
    await rm(dir, { recursive: true, force: true });
  }
};
