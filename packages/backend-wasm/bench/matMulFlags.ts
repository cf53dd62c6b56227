/**
 * Ad hoc timing (not a test): one wasm matMul with each transpose flag
 * combination, tfjs's stock kernels vs the explicit-transpose wrappers.
 *
 *   cd packages/backend-wasm && node --conditions=@bijective/source --import tsx bench/matMulFlags.ts
 */
import { tf, useBackend } from '@bijective/core';
import { wasmBackend } from '../src/index.js';
import {
  installExplicitTransposeKernels,
  uninstallExplicitTransposeKernels,
} from '../src/entries/kernels.js';

const main = async () => {
  await useBackend(wasmBackend({ explicitTranspose: false }))();
  for (const [m, k, n] of [
    [256, 64, 64],
    [256, 256, 256],
  ] as const) {
    const a = tf.randomNormal([m, k]);
    const b = tf.randomNormal([k, n]);
    const aT = tf.transpose(a);
    const bT = tf.transpose(b);
    const cases = {
      'a·b': () => tf.matMul(a, b),
      'a·bᵀ': () => tf.matMul(a, bT, false, true),
      'aᵀ·b': () => tf.matMul(aT, b, true, false),
      'aᵀ·bᵀ': () => tf.matMul(aT, bT, true, true),
    };
    const ms: Record<string, number[]> = {};
    for (let round = 0; round < 7; round++) {
      for (const wrapped of [false, true]) {
        if (wrapped) installExplicitTransposeKernels();
        else uninstallExplicitTransposeKernels();
        for (const [name, f] of Object.entries(cases)) {
          const t0 = performance.now();
          for (let i = 0; i < 30; i++) tf.tidy(f).dataSync();
          const key = `${m}x${k}x${n} ${name.padEnd(6)} ${wrapped ? 'wrapped' : 'stock  '}`;
          (ms[key] ??= []).push((performance.now() - t0) / 30);
        }
      }
    }
    for (const [key, v] of Object.entries(ms).sort())
      console.log(key, 'median', [...v].sort((p, q) => p - q)[3]!.toFixed(3), 'ms');
    tf.dispose([a, b, aT, bT]);
  }
};
void main();
