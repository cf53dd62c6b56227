import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { tf, useBackend } from '@bijective/core';
import { FUSED_FIELD_TRACE, FUSED_FIELD_TRACE_GRAD, hasFusedKernel } from '@bijective/core/backend';
import { fieldTrace } from '@bijective/core/nn';
import { checkFusedFieldTrace, expectNoLeaks } from '@bijective/core/testing';
import { wasmBackend } from '../src/index.js';
import { installFusedFieldTraceKernels } from '../src/entries/kernels.js';

describe('the fused field-trace kernels on wasm (composed of the wasm kernels)', () => {
  it('are opt-in: wasmBackend() alone leaves them out, extraKernels registers both', async () => {
    const plain = await useBackend(wasmBackend())();
    if (E.isLeft(plain)) throw plain.left;
    expect(hasFusedKernel(FUSED_FIELD_TRACE) || hasFusedKernel(FUSED_FIELD_TRACE_GRAD)).toBe(false);
    const r = await useBackend(wasmBackend({ extraKernels: [installFusedFieldTraceKernels] }))();
    if (E.isLeft(r)) throw r.left;
    expect(hasFusedKernel(FUSED_FIELD_TRACE) && hasFusedKernel(FUSED_FIELD_TRACE_GRAD)).toBe(true);
  });

  it('an extra installer that throws or fails is a Left(BackendError) naming it, not a throw', async () => {
    const thrown = await wasmBackend({
      extraKernels: [
        () => {
          throw new Error('boom');
        },
      ],
    }).ready()();
    expect(E.isLeft(thrown) && thrown.left.message).toContain('extraKernels[0] threw: boom');
    const failed = await wasmBackend({ extraKernels: [() => true, () => false] }).ready()();
    expect(E.isLeft(failed) && failed.left.message).toContain('extraKernels[1] could not register');
  });

  it('equal the composite ops on cpu: value, divergence, Frobenius norm and every gradient, every activation, no leaks', async () => {
    expect(await checkFusedFieldTrace('wasm')).toEqual([]);
  });

  it('one engine kernel each way, and nothing leaks', async () => {
    await tf.setBackend('wasm');
    const z = tf.randomNormal([16, 2]) as tf.Tensor2D;
    const weights = [
      tf.randomNormal([2, 8]) as tf.Tensor2D,
      tf.randomNormal([8, 2]) as tf.Tensor2D,
    ];
    const scale = tf.ones([1, 10]) as tf.Tensor2D;
    const shift = tf.zeros([1, 10]) as tf.Tensor2D;
    const grads = () =>
      tf.grads((w0: tf.Tensor, w1: tf.Tensor) =>
        tf.sum(
          fieldTrace(z, { weights: [w0 as tf.Tensor2D, w1 as tf.Tensor2D], scale, shift }, 'tanh')
            .divergence,
        ),
      )(weights);
    const names = (await tf.profile(() => tf.dispose(grads()))).kernels.map((k) => k.name);
    expect(names.filter((n) => n === FUSED_FIELD_TRACE || n === FUSED_FIELD_TRACE_GRAD)).toEqual([
      FUSED_FIELD_TRACE,
      FUSED_FIELD_TRACE_GRAD,
    ]);
    expect(names.filter((n) => n === 'BatchMatMul' || n === '_FusedMatMul')).toEqual([]);
    await expectNoLeaks(grads);
    tf.dispose([z, ...weights, scale, shift]);
  });
});
