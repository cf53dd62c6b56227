import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Plugin, defineConfig } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));

/** tfjs's three WebAssembly binaries, found through @bijective/backend-wasm's own dependency. */
const WASM_FILES = [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
];
const wasmDir = (): string => {
  const req = createRequire(join(here, 'package.json'));
  return dirname(req.resolve('@tensorflow/tfjs-backend-wasm'));
};

/**
 * Serve the .wasm binaries at `./tfjs/` in development and emit them there in
 * the build, where the worker's `wasmBackend({ wasmPaths })` finds them.
 */
const tfjsWasm = (): Plugin => ({
  name: 'tfjs-wasm-files',
  configureServer(server) {
    server.middlewares.use((req, res, next) => {
      const name = (req.url ?? '').split('?')[0]!.split('/tfjs/')[1];
      if (name === undefined || !WASM_FILES.includes(name)) return next();
      res.setHeader('Content-Type', 'application/wasm');
      res.end(readFileSync(join(wasmDir(), name)));
    });
  },
  generateBundle() {
    for (const name of WASM_FILES) {
      const file = join(wasmDir(), name);
      if (!existsSync(file)) this.error(`missing ${file}`);
      this.emitFile({ type: 'asset', fileName: `tfjs/${name}`, source: readFileSync(file) });
    }
  },
});

/**
 * Cross-origin isolation (COOP + COEP) lets tfjs use the threaded wasm build;
 * static hosts without these headers still get the SIMD build.
 */
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  base: './',
  // Workspace packages resolve to their TypeScript sources, as in the repo's tests, so the
  // site builds without building the packages first; the import specifiers are the public ones.
  resolve: { conditions: ['@bijective/source', 'module', 'browser', 'development|production'] },
  worker: { format: 'es' },
  // Pre-bundle what only the worker imports, so the first dev load does not reload the page.
  optimizeDeps: {
    include: [
      '@tensorflow/tfjs-core/dist/register_all_gradients',
      '@tensorflow/tfjs-backend-webgl',
      '@tensorflow/tfjs-backend-wasm',
      '@tensorflow/tfjs-backend-cpu',
    ],
  },
  plugins: [tfjsWasm()],
  server: { headers: isolation },
  preview: { headers: isolation },
  build: { target: 'es2022', chunkSizeWarningLimit: 4000, sourcemap: false },
});
