/**
 * A tiny static file server for the built site on 127.0.0.1 (ephemeral
 * port), with the cross-origin isolation headers the threaded wasm build
 * needs, so the end-to-end test drives exactly the files `vite build` made.
 */
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
};

/** Serve `root` until `close()`; `isolated: false` leaves out COOP/COEP. */
export const serveStatic = async (
  root: string,
  isolated = true,
): Promise<{ url: string; close: () => Promise<void> }> => {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    const rel = normalize(path === '/' ? '/index.html' : path).replace(/^(\.\.[/\\])+/, '');
    const headers: Record<string, string> = isolated
      ? {
          'Cross-Origin-Opener-Policy': 'same-origin',
          'Cross-Origin-Embedder-Policy': 'require-corp',
          'Cross-Origin-Resource-Policy': 'same-origin',
        }
      : {};
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
