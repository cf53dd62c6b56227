import { beforeAll, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { tf, useBackend } from '@bijective/core';
import { FUSED_AFFINE, FUSED_SPLINE, hasFusedKernel } from '@bijective/core/backend';
import { checkFusedElementMaps } from '@bijective/core/testing';
import { wasmBackend } from '../src/index.js';

// The fused spline and affine kernels (JavaScript loops on the wasm heap) against core's composite
// ops on cpu: values, log-derivatives, row log-dets and gradients, pass-through outside the bound,
// no leaks.
describe('fused element-map kernels on wasm', () => {
  beforeAll(async () => {
    const r = await useBackend(wasmBackend())();
    if (E.isLeft(r)) throw r.left;
  });
  it('are registered', () => {
    expect(tf.getBackend()).toBe('wasm');
    expect(hasFusedKernel(FUSED_SPLINE) && hasFusedKernel(FUSED_AFFINE)).toBe(true);
  });
  it('match the composite ops on cpu, gradients included', async () =>
    expect(await checkFusedElementMaps('wasm')).toEqual([]));
  it('match them on a larger batch', async () =>
    expect(await checkFusedElementMaps('wasm', { rows: 700, seed: 5 })).toEqual([]));
});
