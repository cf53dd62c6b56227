/**
 * Steps per second of the playground's training step in Node, for comparison
 * with the page's figure: the same `createTrainer` step (same preset, sizes,
 * data, learning rate and batch) on @bijective/backend-wasm (SIMD build; tfjs
 * never uses wasm threads in Node) or the cpu backend.
 *
 *   pnpm --filter @bijective/playground speed:node -- [backend] [preset] [steps]
 *   e.g. speed:node -- wasm realNVP 300
 */
import * as E from 'fp-ts/lib/Either.js';
import { cpuBackend, useBackend } from '@bijective/core';
import { wasmBackend } from '@bijective/backend-wasm';
import { generate } from '../src/datasets.js';
import { defaultSettings, isPresetName } from '../src/flows.js';
import type { BackendName } from '../src/protocol.js';
import { DEFAULTS } from '../src/settings.js';
import { createTrainer, splitRows } from '../src/trainer.js';

const [backendArg = 'wasm', presetArg = 'realNVP', stepsArg = '300'] = process.argv
  .slice(2)
  .filter((a) => a !== '--');
const backend: BackendName = backendArg === 'cpu' ? 'cpu' : 'wasm';
const preset = isPresetName(presetArg) ? presetArg : 'realNVP';
const steps = Number(stepsArg);

// In Node tfjs reads the binaries next to its own script: no wasmPaths.
const plugin = backend === 'wasm' ? wasmBackend() : cpuBackend;
const ready = await useBackend(plugin)();
if (E.isLeft(ready)) throw ready.left;
const { train, val } = splitRows(generate('moons', DEFAULTS.points, 0), 0.1, 0);
const t = createTrainer(defaultSettings(preset), train, val, 0);
t.steps(20, DEFAULTS.learningRate, DEFAULTS.batchSize); // warm-up
const t0 = performance.now();
t.steps(steps, DEFAULTS.learningRate, DEFAULTS.batchSize);
const seconds = (performance.now() - t0) / 1000;
console.log(
  JSON.stringify({
    backend,
    details: plugin.describe?.() ?? {},
    preset,
    batch: DEFAULTS.batchSize,
    steps,
    stepsPerSecond: Number((steps / seconds).toFixed(1)),
    validationLogLik: Number(t.validate().toFixed(3)),
  }),
);
t.dispose();
