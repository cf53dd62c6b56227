import { beforeAll, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { cpuBackend, tf, useBackend } from '@bijective/core';
import { initMlp, applyMlp } from '@bijective/core/nn';
import { wasmBackend } from '../src/index.js';
import {
  explicitTransposeKernelsInstalled,
  matMulGradientInstalled,
} from '../src/entries/kernels.js';
import { onBackend, relErr, uniform } from './helpers.js';

// float32 throughout; both backends accumulate in float32 but in different
// orders (XNNPACK blocks vs tfjs-cpu loops). Forward values agree to a few
// ulps of the largest entry (1e-4 norm-wise); gradients chain two products
// and a reduction (1e-3).
const VALUE_TOL = 1e-4;
const GRAD_TOL = 1e-3;

const wasm = wasmBackend();
const flags: ReadonlyArray<readonly [boolean, boolean]> = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];

/** `op(a) · op(b)` for a: [m, k] and b: [k, n] stored transposed as the flags say, its weighted sum's gradients. */
const matMulCase =
  (tA: boolean, tB: boolean, shape: { batch?: number; m: number; k: number; n: number }) =>
  (): tf.Tensor[] => {
    const { batch, m, k, n } = shape;
    const lead = batch === undefined ? [] : [batch];
    const aShape = [...lead, ...(tA ? [k, m] : [m, k])];
    const bShape = [...lead, ...(tB ? [n, k] : [k, n])];
    const size = (s: number[]) => s.reduce((p, q) => p * q, 1);
    const a = tf.tensor(uniform(1, size(aShape)), aShape);
    const b = tf.tensor(uniform(2, size(bShape)), bShape);
    const w = tf.tensor(uniform(3, size([...lead, m, n])), [...lead, m, n]);
    const f = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y, tA, tB), w));
    const [da, db] = tf.grads(f)([a, b]);
    return [tf.matMul(a, b, tA, tB), da!, db!];
  };

describe('wasm matMul agrees with cpu', () => {
  beforeAll(async () => {
    const r = await useBackend(wasm)();
    expect(E.isRight(r)).toBe(true);
    expect(matMulGradientInstalled()).toBe(true);
    expect(explicitTransposeKernelsInstalled()).toBe(true);
  });

  for (const [tA, tB] of flags) {
    for (const shape of [
      { m: 17, k: 33, n: 9 },
      { batch: 3, m: 5, k: 12, n: 7 },
    ]) {
      it(`transposeA=${tA} transposeB=${tB} rank ${shape.batch === undefined ? 2 : 3}: values and gradients`, async () => {
        const [c0, da0, db0] = await onBackend(cpuBackend, matMulCase(tA, tB, shape));
        const [c1, da1, db1] = await onBackend(wasm, matMulCase(tA, tB, shape));
        expect(relErr(c1!, c0!)).toBeLessThan(VALUE_TOL);
        expect(relErr(da1!, da0!)).toBeLessThan(GRAD_TOL);
        expect(relErr(db1!, db0!)).toBeLessThan(GRAD_TOL);
      });
    }
  }

  // Under tf.grads tfjs runs fused relu as matMul + add + relu (BatchMatMul gradient), but a linear
  // fused matMul keeps _FusedMatMul and its own gradient, which calls matMul with transpose flags.
  it('tf.fused.matMul with transpose flags, bias and relu or linear: values and gradients', async () => {
    for (const activation of ['relu', 'linear'] as const)
      for (const [tA, tB] of flags) {
        const run = (): tf.Tensor[] => {
          const a = tf.tensor2d(uniform(4, 6 * 10), tA ? [10, 6] : [6, 10]);
          const b = tf.tensor2d(uniform(5, 10 * 8), tB ? [8, 10] : [10, 8]);
          const bias = tf.tensor1d(uniform(6, 8));
          const f = (x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) =>
            tf.sum(
              tf.fused.matMul({
                a: x as tf.Tensor2D,
                b: y as tf.Tensor2D,
                bias: z,
                transposeA: tA,
                transposeB: tB,
                activation,
              }),
            );
          const grads = tf.grads(f)([a, b, bias]);
          return [
            tf.fused.matMul({ a, b, bias, transposeA: tA, transposeB: tB, activation }),
            ...grads,
          ];
        };
        const ref = await onBackend(cpuBackend, run);
        const got = await onBackend(wasm, run);
        expect(relErr(got[0]!, ref[0]!)).toBeLessThan(VALUE_TOL);
        for (let i = 1; i < ref.length; i++)
          expect(relErr(got[i]!, ref[i]!)).toBeLessThan(GRAD_TOL);
      }
  });

  it('an MLP 2 -> 64 -> 64 -> 4 forward and backward agrees with cpu', async () => {
    const run = (): tf.Tensor[] => {
      const layers = initMlp({ input: 2, hidden: [64, 64], output: 4 }, 7);
      const x = tf.tensor2d(uniform(8, 256 * 2), [256, 2]);
      const target = tf.tensor2d(uniform(9, 256 * 4), [256, 4]);
      const flat = layers.flatMap((l) => [l.w, l.b]);
      const loss = (...ps: tf.Tensor[]) => {
        const rebuilt = layers.map((_, i) => ({
          w: ps[2 * i] as tf.Tensor2D,
          b: ps[2 * i + 1] as tf.Tensor1D,
        }));
        return tf.mean(tf.square(tf.sub(applyMlp(rebuilt, x), target)));
      };
      return [applyMlp(layers, x), ...tf.grads(loss)(flat)];
    };
    const ref = await onBackend(cpuBackend, run);
    const got = await onBackend(wasm, run);
    expect(got).toHaveLength(7);
    expect(relErr(got[0]!, ref[0]!)).toBeLessThan(VALUE_TOL);
    for (let i = 1; i < ref.length; i++) expect(relErr(got[i]!, ref[i]!)).toBeLessThan(GRAD_TOL);
  });

  it('on wasm the matMul gradient runs explicit Transpose kernels; on cpu it keeps the tfjs gradient', async () => {
    const kernelsOfGrad = async (): Promise<string[]> => {
      const a = tf.tensor2d(uniform(10, 8 * 4), [8, 4]);
      const b = tf.tensor2d(uniform(11, 4 * 3), [4, 3]);
      const profile = await tf.profile(() =>
        tf.tidy(() => tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.matMul(x, y)))([a, b])),
      );
      tf.dispose([a, b]);
      return profile.kernelNames;
    };
    await useBackend(wasm)();
    expect(await kernelsOfGrad()).toContain('Transpose');
    await useBackend(cpuBackend)();
    expect(await kernelsOfGrad()).not.toContain('Transpose');
  });

  it('leaves no tensors and no wasm buffers behind', async () => {
    await useBackend(wasm)();
    const backend = tf.engine().registry['wasm']!;
    const tensors = tf.memory().numTensors;
    const buffers = backend.numDataIds();
    for (const [tA, tB] of flags) {
      const outs = tf.tidy(matMulCase(tA, tB, { m: 6, k: 5, n: 4 }));
      tf.dispose(outs);
    }
    const fused = tf.tidy(() =>
      tf.fused.matMul({
        a: tf.ones([3, 4]),
        b: tf.ones([5, 4]),
        transposeB: true,
        activation: 'relu',
      }),
    );
    fused.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backend.numDataIds()).toBe(buffers);
  });
});
