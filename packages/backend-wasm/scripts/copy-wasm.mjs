#!/usr/bin/env node
// Copies tfjs-backend-wasm's three binaries into dist/wasm/, exported as
// `@bijective/backend-wasm/wasm/<file>.wasm`, so that a bundler can emit them beside the page
// (`import simd from '@bijective/backend-wasm/wasm/tfjs-backend-wasm-simd.wasm?url'` in vite)
// without the app depending on @tensorflow/tfjs-backend-wasm itself (pnpm keeps it unreachable).
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const from = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
const to = join(here, '../dist/wasm');
mkdirSync(to, { recursive: true });
for (const file of [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
])
  copyFileSync(join(from, file), join(to, file));
