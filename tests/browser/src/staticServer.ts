import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** The cross-origin isolation headers that let a page use the threaded wasm build. */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** A running server: its base URL (ending in `/`) and how to stop it. */
export interface StaticServer {
  readonly url: string;
  readonly close: () => Promise<void>;
}

/**
 * Serve the files under `root` on 127.0.0.1 (an ephemeral port), as a static host serves a
 * built site: `/` is `index.html`, paths cannot leave `root`, unknown files are 404.
 * `isolated` adds {@link ISOLATION_HEADERS}.
 *
 * @example
 * ```ts
 * const { url, close } = await serveStatic(join(dir, 'dist'));
 * await page.goto(url);
 * await close();
 * ```
 */
export const serveStatic = async (
  root: string,
  options: { readonly isolated?: boolean } = {},
): Promise<StaticServer> => {
  const headers = options.isolated === true ? ISOLATION_HEADERS : {};
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    const rel = normalize(path.endsWith('/') ? `${path}index.html` : path).replace(
      /^(\.\.[/\\])+/,
      '',
    );
    readFile(join(root, rel)).then(
      (body) =>
        res
          .writeHead(200, {
            ...headers,
            'Content-Type': TYPES[extname(rel)] ?? 'application/octet-stream',
          })
          .end(body),
      () => res.writeHead(404, headers).end('not found'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};
