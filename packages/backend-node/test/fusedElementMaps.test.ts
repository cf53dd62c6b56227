import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { FUSED_AFFINE, FUSED_SPLINE, hasFusedKernel, tf, useBackend } from '@bijective/core';
import { checkFusedElementMaps } from '@bijective/core/testing';
import { nativeBackend } from '../src/index.js';

// The fused spline and affine kernels (native/spline.cc, native/affine.cc) against core's composite
// ops on cpu: values, log-derivatives, row log-dets and gradients, pass-through outside the bound,
// no leaks. Skipped only when the addon could not be built here.
const ready = await useBackend(nativeBackend())();
const skipReason = E.isLeft(ready) ? ready.left.message : undefined;

describe.skipIf(skipReason !== undefined)('fused element-map kernels on native', () => {
  it('are registered', async () => {
    await tf.setBackend('native');
    expect(hasFusedKernel(FUSED_SPLINE) && hasFusedKernel(FUSED_AFFINE)).toBe(true);
  });
  it('match the composite ops on cpu, gradients included', async () =>
    expect(await checkFusedElementMaps('native')).toEqual([]));
  it('match them on a batch large enough for the thread pool', async () =>
    expect(await checkFusedElementMaps('native', { rows: 700, seed: 5 })).toEqual([]));
});
