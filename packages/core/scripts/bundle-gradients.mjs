#!/usr/bin/env node
// Builds dist/gradients/registerGradients.node.js: tfjs-core's gradient registrations as one ES module
// that Node can import. tfjs-core's Node entry (dist/tf-core.node.js, CommonJS) leaves the gradients
// out, and its ES module files (extensionless imports, no "type": "module") cannot be loaded by Node,
// so we bundle them the way @tensorflow/tfjs's own Node bundle does: every gradient config plus the
// internal ops it uses. They register into tfjs-core's global registry and run on its global engine,
// which both copies share (tfjs keeps them on globalThis, and Tensor's instanceof is structural).
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const core = dirname(require.resolve('@tensorflow/tfjs-core/package.json'));

await build({
  entryPoints: [join(core, 'dist/register_all_gradients.js')],
  outfile: join(here, '../dist/gradients/registerGradients.node.js'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['@tensorflow/tfjs-core'],
  legalComments: 'none',
  banner: {
    js: '// tfjs-core 4.22 gradient registrations (Apache-2.0, Google LLC), bundled for Node by @bijective/core.\nimport "@tensorflow/tfjs-core";',
  },
  logLevel: 'warning',
});
