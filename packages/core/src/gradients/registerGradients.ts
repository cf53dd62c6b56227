/**
 * Registers every tfjs-core gradient (the `*_grad` configs) in tfjs-core's
 * global gradient registry, for bundlers and the browser.
 *
 * tfjs-core's ES modules keep the gradient configs out of its main entry;
 * `register_all_gradients` adds them as a side effect. It reads tfjs-core's
 * flags while loading, so tfjs-core itself must be evaluated first (hence
 * the first import). Core's `package.json` lists this file under
 * `sideEffects`, so bundlers keep it in production builds.
 *
 * Node loads `registerGradients.node.js` instead (see `#register-gradients`
 * in `package.json`): tfjs-core's Node entry is a CommonJS bundle and its ES
 * module files cannot be imported by Node, so the build (and `pnpm install`
 * in this repo, through `prepare`) bundles the same registrations with
 * esbuild (`scripts/bundle-gradients.mjs`). This repo's vitest runs load this
 * file (condition `@bijective/vitest`): vite can import tfjs-core's ES modules.
 */
import '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
