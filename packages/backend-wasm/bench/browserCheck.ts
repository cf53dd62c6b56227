/**
 * Ad hoc check (not a test) of the plugin in headless Chromium: bundles
 * bench/browser/entry.ts with esbuild, serves it with and without the
 * cross-origin-isolation headers, and prints what describe() reports.
 *
 *   cd packages/backend-wasm && node --conditions=@bijective/source --import tsx bench/browserCheck.ts
 *
 * Needs a Chromium (CHROMIUM=/usr/bin/chromium by default), playwright-core and esbuild,
 * which are workspace-root tooling, not dependencies of this package.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');
const requireFromRoot = createRequire(join(root, 'node_modules/.pnpm/node_modules/x.js'));

type EsbuildResult = { outputFiles: { text: string }[] };
type Esbuild = { build: (o: Record<string, unknown>) => Promise<EsbuildResult> };
type Page = {
  goto: (u: string) => Promise<unknown>;
  waitForFunction: (f: string, a?: unknown, o?: Record<string, number>) => Promise<unknown>;
  evaluate: (f: string) => Promise<unknown>;
  on: (e: string, f: (m: { text: () => string }) => void) => void;
};
type Browser = { newPage: () => Promise<Page>; close: () => Promise<void> };
type Playwright = { chromium: { launch: (o: Record<string, unknown>) => Promise<Browser> } };

const main = async () => {
  const esbuild = requireFromRoot('esbuild') as Esbuild;
  const { chromium } = requireFromRoot('playwright-core') as Playwright;
  const bundle = await esbuild.build({
    entryPoints: [join(here, 'browser/entry.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    conditions: ['@bijective/source'],
    // core's file helpers import node:fs lazily; they are never called in the page.
    external: ['node:*'],
    logLevel: 'error',
  });
  const js = bundle.outputFiles[0]!.text;
  const wasmDir = join(
    dirname(requireFromRoot.resolve('@tensorflow/tfjs-backend-wasm/package.json')),
    'dist',
  );
  const html =
    '<!doctype html><meta charset="utf-8"><script type="module" src="/bundle.js"></script>';
  const serve = (isolated: boolean): Promise<{ server: Server; port: number }> =>
    new Promise((resolve) => {
      const server = createServer((req, res) => void respond(req, res));
      async function respond(req: IncomingMessage, res: ServerResponse): Promise<void> {
        const headers: Record<string, string> = isolated
          ? {
              'Cross-Origin-Opener-Policy': 'same-origin',
              'Cross-Origin-Embedder-Policy': 'require-corp',
            }
          : {};
        const url = (req.url ?? '/').split('?')[0]!;
        try {
          if (url === '/' || url === '/index.html')
            res.writeHead(200, { ...headers, 'Content-Type': 'text/html' }).end(html);
          else if (url === '/bundle.js')
            res.writeHead(200, { ...headers, 'Content-Type': 'text/javascript' }).end(js);
          else if (url.startsWith('/wasm/')) {
            const body = await readFile(join(wasmDir, url.slice('/wasm/'.length)));
            res.writeHead(200, { ...headers, 'Content-Type': 'application/wasm' }).end(body);
          } else res.writeHead(404, headers).end();
        } catch {
          res.writeHead(404, headers).end();
        }
      }
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        resolve({
          server,
          port: typeof address === 'object' && address !== null ? address.port : 0,
        });
      });
    });
  const browser = await chromium.launch({
    executablePath: process.env['CHROMIUM'] ?? '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  for (const [label, isolated, query] of [
    ['not isolated', false, ''],
    ['cross-origin isolated', true, ''],
    ['cross-origin isolated, threads: false', true, '?threads=off'],
    ['cross-origin isolated, numThreads: 2', true, '?numThreads=2'],
  ] as const) {
    const { server, port } = await serve(isolated);
    const page = await browser.newPage();
    page.on('console', (m) => process.env['VERBOSE'] && console.log('  [page]', m.text()));
    await page.goto(`http://127.0.0.1:${port}/${query}`);
    await page.waitForFunction('window.bijectiveResult !== undefined', undefined, {
      timeout: 120_000,
    });
    console.log(label, JSON.stringify(await page.evaluate('window.bijectiveResult')));
    server.close();
  }
  await browser.close();
};

void main();
