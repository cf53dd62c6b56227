import { existsSync, realpathSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type StaticServer, launchChromium, serveStatic } from '@bijective/browser-testing';
import type { Browser } from 'playwright-core';
import type { BenchOptions } from './args.js';
import { errorText } from './format.js';
import type { PageOptions, PageResult, PageState } from './browser/page.js';
import { type FlowCatalog, type FlowEntry, prioritize } from './flows.js';
import type { BrowserInfo, SpeedRow } from './model.js';
import { type ProgressSink, speedSizes } from './speed.js';

/** The app's root folder (`apps/bench`), from `src/` or `dist/`. */
export const APP_DIR = fileURLToPath(new URL('..', import.meta.url));

/**
 * Why Chromium cannot be used at `path`, or `undefined` if it exists.
 *
 * @example
 * ```ts
 * chromiumMissing('/usr/bin/chromium'); // undefined when installed
 * ```
 */
export const chromiumMissing = (path: string): string | undefined =>
  existsSync(path)
    ? undefined
    : `no Chromium at ${path} (install Debian's: apt-get install -y chromium, or pass --chromium PATH)`;

/** The subset of esbuild's API the bundler uses (esbuild ships with vite; it is not a direct dependency). */
interface Esbuild {
  readonly build: (
    options: Readonly<Record<string, unknown>>,
  ) => Promise<{ readonly outputFiles?: readonly { readonly text: string }[] }>;
}

const isEsbuild = (x: unknown): x is Esbuild =>
  typeof x === 'object' && x !== null && typeof (x as { build?: unknown }).build === 'function';

/**
 * Find esbuild: a direct install, or the copy vite depends on (found by walking up to a node_modules/vite).
 */
const findEsbuild = (): Esbuild | string => {
  const tries: (() => unknown)[] = [() => createRequire(import.meta.url)('esbuild')];
  for (let dir = APP_DIR; ; dir = dirname(dir)) {
    const vite = join(dir, 'node_modules', 'vite', 'package.json');
    if (existsSync(vite)) {
      tries.push(() => createRequire(realpathSync(vite))('esbuild'));
      break;
    }
    if (dirname(dir) === dir) break;
  }
  for (const t of tries) {
    try {
      const m = t();
      if (isEsbuild(m)) return m;
    } catch {
      // try the next location
    }
  }
  return 'esbuild not found (it is installed with vite; run pnpm install at the repository root)';
};

/**
 * The folder holding tfjs's three .wasm binaries, found through @bijective/backend-wasm's dependency.
 */
const wasmDir = (): string | undefined => {
  try {
    const pkg = realpathSync(join(APP_DIR, 'node_modules', '@bijective', 'backend-wasm'));
    const main = createRequire(join(pkg, 'package.json')).resolve('@tensorflow/tfjs-backend-wasm');
    const dir = dirname(main);
    return existsSync(join(dir, 'tfjs-backend-wasm-simd.wasm')) ? dir : undefined;
  } catch {
    return undefined;
  }
};

const NODE_BUILTINS =
  /^(node:)?(fs|fs\/promises|path|os|url|zlib|util|crypto|worker_threads|perf_hooks|child_process|module|http|net|stream|buffer)$/;

/**
 * Bundle the page: a generated entry that imports the loaded flow packages
 * statically and hands them to `runPage`. Workspace packages resolve to
 * their TypeScript sources (`@bijective/source` condition); Node built-ins
 * that server-only code paths import become empty modules.
 */
const bundlePage = async (catalog: FlowCatalog): Promise<string> => {
  const esbuild = findEsbuild();
  if (typeof esbuild === 'string') throw new Error(esbuild);
  const here = fileURLToPath(new URL('.', import.meta.url));
  const page = [join(here, 'browser', 'page.js'), join(here, 'browser', 'page.ts')].find((p) =>
    existsSync(p),
  );
  if (page === undefined) throw new Error(`page module not found next to ${here}`);
  const imports = catalog.loaded.map(
    (l, i) => `import * as m${i} from ${JSON.stringify(l.packageName)};`,
  );
  const list = catalog.loaded.map(
    (l, i) =>
      `{ family: ${JSON.stringify(l.family)}, packageName: ${JSON.stringify(l.packageName)}, ok: true, module: m${i} }`,
  );
  const continuous = catalog.loaded.findIndex((l) => l.packageName === '@bijective/continuous');
  const entry = [
    `import { runPage } from ${JSON.stringify(page)};`,
    `import { wasmBackend } from '@bijective/backend-wasm';`,
    ...imports,
    `void runPage([${list.join(', ')}], wasmBackend${continuous < 0 ? '' : `, m${continuous}`});`,
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
        setup: (build: {
          onResolve: (o: { filter: RegExp }, f: (a: { path: string }) => unknown) => void;
          onLoad: (o: { filter: RegExp; namespace: string }, f: () => unknown) => void;
        }) => {
          build.onResolve({ filter: NODE_BUILTINS }, (a) => ({
            path: a.path,
            namespace: 'node-stub',
          }));
          build.onLoad({ filter: /.*/, namespace: 'node-stub' }, () => ({
            contents: 'module.exports = {};',
            loader: 'js',
          }));
        },
      },
    ],
  });
  const text = result.outputFiles?.[0]?.text;
  if (text === undefined) throw new Error('esbuild produced no output');
  return text;
};

const PAGE_HTML = `<!doctype html><html><head><meta charset="utf-8"><title>bijective bench (browser)</title></head>
<body><p>bijective bench: running the wasm rows…</p><script type="module" src="/page.js"></script></body></html>`;

const WASM_FILES = [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
];

/**
 * Serve the page, the bundle and tfjs's .wasm binaries (under `/wasm/`) from a temporary folder
 * with `@bijective/browser-testing`'s static server on 127.0.0.1, cross-origin isolated
 * (`Cross-Origin-Opener-Policy: same-origin`, `Cross-Origin-Embedder-Policy: require-corp`:
 * SharedArrayBuffer, hence the threaded wasm build). `close()` also removes the folder.
 */
const servePage = async (bundle: string, wasm: string): Promise<StaticServer> => {
  const dir = await mkdtemp(join(tmpdir(), 'bench-page-'));
  const removeDir = () => rm(dir, { recursive: true, force: true });
  try {
    await mkdir(join(dir, 'wasm'));
    await writeFile(join(dir, 'index.html'), PAGE_HTML);
    await writeFile(join(dir, 'page.js'), bundle);
    for (const name of WASM_FILES.filter((n) => existsSync(join(wasm, n))))
      await copyFile(join(wasm, name), join(dir, 'wasm', name));
    const server = await serveStatic(dir, { isolated: true });
    return { url: server.url, close: () => server.close().finally(removeDir) };
  } catch (e) {
    await removeDir();
    throw e;
  }
};

/** Hooks of {@link runBrowser}. */
export interface BrowserHooks {
  readonly status: (text: string, final?: boolean) => void;
  readonly progress: ProgressSink;
}

const isProgress = (
  x: unknown,
): x is { kind: string; total?: number; index?: number; label?: string; row?: SpeedRow } =>
  typeof x === 'object' && x !== null && typeof (x as { kind?: unknown }).kind === 'string';

/**
 * The browser mode: bundle the page, serve it from 127.0.0.1 with COOP/COEP,
 * open it in headless Chromium and collect the wasm rows (GEMM and the
 * matrix) with whether the page was cross-origin isolated and which wasm
 * binary loaded. Skipped, with the reason, where no Chromium is installed.
 *
 * @example
 * ```ts
 * const b = await runBrowser(options, catalog, entries, hooks);
 * b.status; // 'ok' | 'skipped' | 'failed'
 * ```
 */
export const runBrowser = async (
  o: BenchOptions,
  catalog: FlowCatalog,
  entries: readonly FlowEntry[],
  hooks: BrowserHooks,
): Promise<BrowserInfo & { rows: readonly SpeedRow[]; gemm: readonly SpeedRow[] }> => {
  const none = { rows: [], gemm: [] };
  const missing = chromiumMissing(o.chromium);
  if (missing !== undefined) {
    hooks.status(`[browser] skipped: ${missing}`, true);
    return { status: 'skipped', reason: missing, ...none };
  }
  const wasm = wasmDir();
  if (wasm === undefined)
    return {
      status: 'skipped',
      reason: 'tfjs-backend-wasm binaries not found (is @bijective/backend-wasm installed?)',
      ...none,
    };
  let bundle: string;
  try {
    hooks.status('[browser] bundling the page');
    bundle = await bundlePage(catalog);
  } catch (e) {
    const reason = `could not bundle the page: ${e instanceof Error ? e.message : String(e)}`;
    hooks.status(`[browser] ${reason}`, true);
    return { status: 'failed', reason, ...none };
  }
  const server = await servePage(bundle, wasm);
  let browser: Browser | undefined;
  try {
    hooks.status(`[browser] launching ${o.chromium}`);
    browser = await launchChromium(o.chromium);
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (msg) => {
      const text = msg.text();
      if (!text.startsWith('bench:')) return;
      const p: unknown = JSON.parse(text.slice(6));
      if (!isProgress(p)) return;
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
    await page.waitForFunction(
      () => (globalThis as { __bench?: PageState }).__bench?.done === true,
      undefined,
      { timeout, polling: 250 },
    );
    const result = await page.evaluate(
      () => (globalThis as { __bench?: PageState }).__bench?.result,
    );
    if (result === undefined)
      return {
        status: 'failed',
        reason: `the page produced no result${errors.length > 0 ? `: ${errors.join('; ')}` : ''}`,
        chromium: o.chromium,
        ...none,
      };
    const r: PageResult = result;
    const info = {
      chromium: o.chromium,
      userAgent: r.userAgent,
      crossOriginIsolated: r.crossOriginIsolated,
      wasm: r.wasm,
    };
    hooks.status(
      `[browser] cross-origin isolated: ${r.crossOriginIsolated ? 'yes' : 'no'}; wasm binary: ${String(r.wasm['flavour'] ?? 'unknown')}`,
      true,
    );
    return r.ok
      ? { status: 'ok', ...info, rows: r.rows, gemm: r.gemm }
      : {
          status: 'failed',
          reason: r.error ?? 'unknown error in the page',
          ...info,
          rows: r.rows,
          gemm: r.gemm,
        };
  } catch (e) {
    const reason = errorText(e);
    hooks.status(`[browser] failed: ${reason}`, true);
    return { status: 'failed', reason, chromium: o.chromium, ...none };
  } finally {
    await browser?.close();
    await server.close();
  }
};
