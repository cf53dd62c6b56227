import { beforeAll, describe, it } from 'vitest';
import { tf } from '@bijective/core';
import { SKIP_REASON, addonBuilt, agree, rawAddon, setupNative } from './helpers.js';
import { uniformTensor as t, usesNative } from './setup.js';

describe.skipIf(!addonBuilt)(
  `native kernels agree with tfjs-backend-cpu${addonBuilt ? '' : ` (skipped: ${SKIP_REASON})`}`,
  () => {
    beforeAll(setupNative);

    const sizes: [number, number, number][] = [
      [1, 1, 1],
      [3, 17, 33],
      [33, 257, 3],
      [17, 3, 257],
      [257, 33, 17],
      [257, 33, 257], // 2.2M multiply-adds: runs on the thread pool
      [37, 300, 40], // k > KC (256): full 12x16 tiles accumulate over two k blocks
    ];
    const flags: [boolean, boolean][] = [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ];

    // 'auto' is the best the CPU has (AVX-512 12x16 tiles with AVX2 edges where it has AVX-512);
    // 'avx2' keeps to the 6x16 AVX2 kernel on such a CPU.
    for (const simd of ['auto', 'avx2', 'portable'] as const) {
      it(`BatchMatMul (${simd} micro-kernel): odd sizes x all transposes`, async () => {
        rawAddon?.setPortable(simd === 'portable');
        rawAddon?.setAvx512(simd === 'auto');
        try {
          for (const [m, k, n] of sizes) {
            for (const [ta, tb] of flags) {
              const as = ta ? [k, m] : [m, k];
              const bs = tb ? [n, k] : [k, n];
              await usesNative('gemm', () =>
                agree(() => tf.matMul(t(as, m * 7 + k), t(bs, n * 11 + k), ta, tb)),
              );
            }
          }
        } finally {
          rawAddon?.setPortable(false);
          rawAddon?.setAvx512(true);
        }
      });
    }

    it('results do not depend on the thread count (1, 2, 3 threads)', async () => {
      const original = rawAddon?.info().threads ?? 1;
      try {
        for (const threads of [1, 2, 3]) {
          rawAddon?.setThreads(threads);
          await agree(() => tf.matMul(t([257, 300], 41), t([300, 129], 42)));
          await agree(() => tf.add(t([300, 257], 43), t([257], 44)));
          await agree(() => tf.exp(t([300, 257], 45)));
          await agree(() => tf.sum(t([300, 257], 46), 0));
        }
      } finally {
        rawAddon?.setThreads(original);
      }
    });

    it('the pool returns only when every task of a job is done, over many back-to-back jobs', async () => {
      // Each product is one pool job of row blocks (m = 400 rows, about 4 blocks per thread) large
      // enough to wake sleeping workers (9.8M multiply-adds); more threads than this machine may
      // have free makes workers wake late, join late or skip a job. A job that returned before a
      // joined worker finished its block would leave rows unwritten.
      const original = rawAddon?.info().threads ?? 1;
      const a = t([400, 256], 51);
      const b = t([256, 96], 52);
      try {
        rawAddon?.setThreads(1);
        const expected = tf
          .tidy(() => tf.matMul(a, b))
          .dataSync()
          .slice();
        for (const threads of [2, 3, 4]) {
          rawAddon?.setThreads(threads);
          for (let rep = 0; rep < 150; rep++) {
            const y = tf.matMul(a, b);
            const got = y.dataSync();
            y.dispose();
            const bad = got.findIndex((v, i) => v !== expected[i]);
            if (bad >= 0)
              throw new Error(
                `threads ${threads}, rep ${rep}: element ${bad} is ${got[bad]}, expected ${expected[bad]}`,
              );
          }
        }
      } finally {
        rawAddon?.setThreads(original);
        tf.dispose([a, b]);
      }
    });

    it('BatchMatMul broadcasts batch dims', async () => {
      const cases: [number[], number[], boolean, boolean][] = [
        [[2, 3, 17, 33], [33, 3], false, false],
        [[17, 33], [4, 33, 3], false, false],
        [[3, 17, 33], [3, 33, 5], false, false],
        [[3, 33, 17], [1, 5, 33], true, true],
        [[2, 3, 17, 33], [3, 33, 5], false, false], // batchA 6, batchB 3: cpu's pairing, via fallback
      ];
      for (const [as, bs, ta, tb] of cases) {
        await agree(() => tf.matMul(t(as, 1), t(bs, 2), ta, tb));
      }
      await usesNative('gemm', () => agree(() => tf.matMul(t([2, 3, 17, 33], 3), t([33, 3], 4))));
    });

    it('_FusedMatMul with bias and activations', async () => {
      const [m, k, n] = [17, 33, 3];
      const biases: (number[] | undefined)[] = [undefined, [n], [1, n], [m, 1], [m, n], []];
      const activations = ['linear', 'relu', 'relu6', 'sigmoid', 'elu', 'leakyrelu'] as const;
      for (const biasShape of biases) {
        for (const activation of activations) {
          for (const [ta, tb] of flags) {
            await usesNative('gemm', () =>
              agree(() =>
                tf.fused.matMul({
                  a: t(ta ? [k, m] : [m, k], 5, -3, 3),
                  b: t(tb ? [n, k] : [k, n], 6),
                  transposeA: ta,
                  transposeB: tb,
                  ...(biasShape === undefined ? {} : { bias: t(biasShape, 7, -2, 2) }),
                  activation,
                  leakyreluAlpha: 0.3,
                }),
              ),
            );
          }
        }
      }
      // Batched bias, and prelu (which falls back to the cpu kernel).
      await agree(() =>
        tf.fused.matMul({
          a: t([2, m, k], 8),
          b: t([2, k, n], 9),
          bias: t([2, 1, n], 10),
          activation: 'relu',
        }),
      );
      await agree(() =>
        tf.fused.matMul({
          a: t([m, k], 8),
          b: t([k, n], 9),
          activation: 'prelu',
          preluActivationWeights: t([n], 11),
        }),
      );
    });

    const binaryOps: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
      ['Add', tf.add],
      ['Sub', tf.sub],
      ['Multiply', tf.mul],
      ['RealDiv', tf.div],
      ['Maximum', tf.maximum],
      ['Minimum', tf.minimum],
      ['SquaredDifference', tf.squaredDifference],
    ];
    const shapePairs: [number[], number[]][] = [
      [[1], [1]],
      [[17], [17]],
      [[33, 17], [17]],
      [
        [33, 1],
        [1, 17],
      ],
      [
        [3, 1, 17],
        [33, 1],
      ],
      [[], [3, 17]],
      [[257, 33], []],
      [
        [2, 3, 4, 5],
        [3, 1, 5],
      ],
      [[300, 257], [257]], // 77k outputs: runs on the thread pool
      [
        [257, 300],
        [257, 1],
      ],
    ];
    for (const [name, op] of binaryOps) {
      it(`${name} with broadcasting`, async () => {
        for (const [sa, sb] of shapePairs) {
          // Denominators stay in +-[0.5, 1.5] so RealDiv is well conditioned.
          const b = (): tf.Tensor => tf.mul(t(sb, 13, 0.5, 1.5), tf.sign(t(sb, 14)));
          await usesNative('binary', () => agree(() => op(t(sa, 12), b())));
        }
      });
    }

    it('binary ops on int32 fall back to the cpu kernel', async () => {
      await agree(() => tf.add(tf.tensor([1, 2, 3], [3], 'int32'), tf.tensor([4], [1], 'int32')));
      await agree(() =>
        tf.maximum(tf.tensor([1, 5, 3], [3], 'int32'), tf.tensor([4], [1], 'int32')),
      );
    });

    const unaryOps: [string, (x: tf.Tensor) => tf.Tensor, number, number][] = [
      ['Exp', tf.exp, -5, 5],
      ['Log', tf.log, 1e-3, 10],
      ['Tanh', tf.tanh, -5, 5],
      ['Softplus', tf.softplus, -20, 20],
      ['Sigmoid', tf.sigmoid, -10, 10],
      ['Sqrt', tf.sqrt, 0, 10],
      ['Square', tf.square, -3, 3],
      ['Neg', tf.neg, -3, 3],
      ['Relu', tf.relu, -3, 3],
      ['Abs', tf.abs, -3, 3],
      ['Elu', tf.elu, -5, 5],
    ];
    for (const [name, op, lo, hi] of unaryOps) {
      it(`${name} on odd sizes`, async () => {
        for (const shape of [[1], [3, 17], [257, 33]]) {
          await usesNative('unary', () => agree(() => op(t(shape, 21, lo, hi))));
        }
      });
    }

    it('Elu (vectorised expm1) is within 2e-7 relative of expm1 in double, from -100 to 0', async () => {
      const xs: number[] = [];
      for (let i = 0; i <= 20000; i++) xs.push(-100 * (i / 20000) ** 3); // dense near 0
      xs.push(
        -1e-30,
        -1e-10,
        -1e-7,
        -0.3465,
        -0.3466,
        -87.9,
        -88,
        -88.1,
        -1000,
        0,
        5,
        NaN,
        -Infinity,
      );
      const x = tf.tensor1d(xs);
      let got: ArrayLike<number> = [];
      await usesNative('unary', async () => {
        const y = tf.elu(x);
        got = await y.data();
        y.dispose();
      });
      x.dispose();
      let worst = 0;
      xs.forEach((v, i) => {
        const f = Math.fround(v);
        const want = Math.fround(f >= 0 ? f : Math.expm1(f));
        const g = got[i]!;
        if (Number.isNaN(v)) {
          if (!Number.isNaN(g)) throw new Error(`elu(NaN) = ${g}`);
          return;
        }
        worst = Math.max(worst, Math.abs(g - want) / Math.max(Math.abs(want), 1e-38));
      });
      if (worst > 2e-7) throw new Error(`worst relative error ${worst}`);
    });

    it('Tanh (vectorised) is within 3e-7 relative of Math.tanh, from -50 to 50', async () => {
      const xs: number[] = [];
      for (let i = -20000; i <= 20000; i++) xs.push(50 * (i / 20000) ** 3); // dense near 0
      xs.push(1e-30, -1e-30, 1e-7, -1e-7, 0.1733, 8.9, 9, 44, 45, 1000, -1000, -0, NaN, Infinity);
      const x = tf.tensor1d(xs);
      let got: ArrayLike<number> = [];
      await usesNative('unary', async () => {
        const y = tf.tanh(x);
        got = await y.data();
        y.dispose();
      });
      x.dispose();
      let worst = 0;
      xs.forEach((v, i) => {
        const want = Math.fround(Math.tanh(Math.fround(v)));
        const g = got[i]!;
        if (Number.isNaN(v)) {
          if (!Number.isNaN(g)) throw new Error(`tanh(NaN) = ${g}`);
          return;
        }
        if (Object.is(v, -0) && !Object.is(g, -0)) throw new Error(`tanh(-0) = ${g}`);
        worst = Math.max(worst, Math.abs(g - want) / Math.max(Math.abs(want), 1e-38));
      });
      if (worst > 3e-7) throw new Error(`worst relative error ${worst}`);
    });

    it('Sigmoid (vectorised) is within 3e-7 relative of 1 / (1 + exp(-x)), from -100 to 100', async () => {
      const xs: number[] = [];
      for (let i = -20000; i <= 20000; i++) xs.push(100 * (i / 20000) ** 3);
      xs.push(1e-30, -1e-30, 87, 88, 89, -87, -88, -89, 1000, -1000, -0, NaN, Infinity, -Infinity);
      const x = tf.tensor1d(xs);
      let got: ArrayLike<number> = [];
      await usesNative('unary', async () => {
        const y = tf.sigmoid(x);
        got = await y.data();
        y.dispose();
      });
      x.dispose();
      let worst = 0;
      xs.forEach((v, i) => {
        const want = Math.fround(1 / (1 + Math.exp(-Math.fround(v))));
        const g = got[i]!;
        if (Number.isNaN(v)) {
          if (!Number.isNaN(g)) throw new Error(`sigmoid(NaN) = ${g}`);
          return;
        }
        // Below x = -87.3 the true value is a float denormal (under 2^-126): flushed to 0 or kept.
        if (want < 2 ** -126) {
          if (!(g >= 0 && g <= 2 ** -126)) throw new Error(`sigmoid(${v}) = ${g}, want ${want}`);
          return;
        }
        worst = Math.max(worst, Math.abs(g - want) / want);
      });
      if (worst > 3e-7) throw new Error(`worst relative error ${worst}`);
    });

    it('unary edge values match cpu (log 0, sqrt of negative, softplus extremes)', async () => {
      const edge = [0, -1, 100, -100, 1e-30, -1e-30, 88, -88];
      for (const [, op] of unaryOps) await agree(() => op(tf.tensor(edge)));
    });

    const reductions: [number[], number | number[] | undefined, boolean][] = [
      [[257], 0, false],
      [[17, 33], 0, false],
      [[17, 33], 1, true],
      [[17, 33], undefined, false],
      [[3, 17, 33], 1, false],
      [[3, 17, 33], [1, 2], true],
      [[3, 17, 33], [0, 1], false],
      [[3, 17, 33], -1, false],
      [[300, 257], 0, false], // runs on the thread pool
      [[300, 257], 1, false],
    ];
    for (const [name, op] of [
      ['Sum', tf.sum],
      ['Max', tf.max],
    ] as const) {
      it(`${name} over leading, trailing, middle and all axes`, async () => {
        for (const [shape, axis, keepDims] of reductions) {
          await usesNative('reduce', () => agree(() => op(t(shape, 31), axis, keepDims)));
        }
        // Scattered axes take the cpu kernel (it transposes first).
        await agree(() => op(t([3, 17, 33], 32), [0, 2]));
        await agree(() => op(tf.tensor([1, 2, 3, 4], [2, 2], 'int32'), 1));
      });
    }

    it('Max propagates NaN like the cpu kernel', async () => {
      await agree(() =>
        tf.max(
          tf.tensor([
            [1, Number.NaN, 3],
            [4, 5, 6],
          ]),
          1,
        ),
      );
      await agree(() =>
        tf.max(
          tf.tensor([
            [1, Number.NaN, 3],
            [4, 5, 6],
          ]),
          0,
        ),
      );
    });
  },
);
