/**
 * Ad hoc timing (not a test): MLP 2 -> 64 -> 64 -> 4, batch 256, forward +
 * backward (gradients of an MSE loss w.r.t. all weights), on wasm with and
 * without the matMul fixes, and on cpu with tfjs's gradient vs an always
 * explicit-transpose gradient.
 *
 *   cd packages/backend-wasm && node --conditions=@bijective/source --import tsx bench/mlpTiming.ts
 */
import { cpuBackend, tf, useBackend } from '@bijective/core';
import { applyMlp, initMlp, type DenseParams } from '@bijective/core/nn';
import {
  explicitTransposeMatMulGrad,
  installExplicitTransposeKernels,
  installMatMulGradient,
  uninstallExplicitTransposeKernels,
  uninstallMatMulGradient,
} from '../src/entries/kernels.js';
import { wasmBackend } from '../src/index.js';

/** Same network without tf.fused: tf.matMul + bias + relu, so backprop goes through the BatchMatMul gradient only. */
const applyUnfused = (layers: readonly DenseParams[], x: tf.Tensor2D): tf.Tensor2D =>
  layers.reduce<tf.Tensor2D>((h, l, i) => {
    const z = tf.add(tf.matMul(h, l.w), l.b) as tf.Tensor2D;
    return i === layers.length - 1 ? z : tf.relu(z);
  }, x);

const step = (fused: boolean) => {
  const layers = initMlp({ input: 2, hidden: [64, 64], output: 4 }, 0);
  const x = tf.randomNormal([256, 2], 0, 1, 'float32', 1) as tf.Tensor2D;
  const target = tf.randomNormal([256, 4], 0, 1, 'float32', 2) as tf.Tensor2D;
  const flat = layers.flatMap((l) => [l.w, l.b]);
  const apply = fused ? applyMlp : applyUnfused;
  const loss = (...ps: tf.Tensor[]) =>
    tf.mean(
      tf.square(
        tf.sub(
          apply(
            layers.map((_, i) => ({
              w: ps[2 * i] as tf.Tensor2D,
              b: ps[2 * i + 1] as tf.Tensor1D,
            })),
            x,
          ),
          target,
        ),
      ),
    );
  const run = () => {
    const gs = tf.tidy(() => tf.grads(loss)(flat));
    gs.forEach((g) => g.dataSync());
    tf.dispose(gs);
  };
  const dispose = () => tf.dispose([...flat, x, target]);
  return { run, dispose };
};

type Config = {
  readonly label: string;
  readonly backend: 'wasm' | 'cpu';
  readonly apply: () => void;
};

/**
 * The machine is shared, so configurations are interleaved round by round
 * (A B C D A B C D …) and we report the median and the minimum over rounds
 * of the mean ms per step.
 */
const compare = async (configs: readonly Config[], reps: number, rounds: number) => {
  const wasm = wasmBackend({ fastMatMulGradient: false, explicitTranspose: false });
  await useBackend(wasm)();
  console.log(wasm.describe?.());
  const stockGradient = tf.getGradient('BatchMatMul');
  const results = new Map<string, number[]>();
  for (let r = 0; r < rounds; r++) {
    for (const c of configs) {
      for (const fused of [true, false]) {
        await useBackend(c.backend === 'wasm' ? wasm : cpuBackend)();
        c.apply();
        const { run, dispose } = step(fused);
        for (let i = 0; i < 5; i++) run();
        const t0 = performance.now();
        for (let i = 0; i < reps / (c.backend === 'cpu' ? 10 : 1); i++) run();
        const ms = (performance.now() - t0) / (reps / (c.backend === 'cpu' ? 10 : 1));
        dispose();
        const key = `${c.label} | ${fused ? 'fused (core applyMlp)' : 'unfused matMul+relu'}`;
        results.set(key, [...(results.get(key) ?? []), ms]);
        tf.registerGradient(stockGradient);
      }
    }
  }
  for (const [key, ms] of results) {
    const sorted = [...ms].sort((p, q) => p - q);
    console.log(
      `${key.padEnd(78)} median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(3)} ms  min ${sorted[0]!.toFixed(3)} ms`,
    );
  }
};

const explicitEverywhere = () =>
  tf.registerGradient({
    kernelName: 'BatchMatMul',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b], attrs) =>
      explicitTransposeMatMulGrad(
        dy as tf.Tensor,
        a!,
        b!,
        attrs['transposeA'] === true,
        attrs['transposeB'] === true,
      ),
  });

const stock = () => {
  uninstallMatMulGradient();
  uninstallExplicitTransposeKernels();
};

void compare(
  [
    { label: 'wasm, tfjs stock (transpose flags)', backend: 'wasm', apply: stock },
    {
      label: 'wasm, gradient fix only',
      backend: 'wasm',
      apply: () => (stock(), installMatMulGradient()),
    },
    {
      label: 'wasm, kernel wrap only',
      backend: 'wasm',
      apply: () => (stock(), installExplicitTransposeKernels()),
    },
    {
      label: 'wasm, gradient fix + kernel wrap',
      backend: 'wasm',
      apply: () => (stock(), installMatMulGradient(), installExplicitTransposeKernels()),
    },
    { label: 'cpu, tfjs stock gradient', backend: 'cpu', apply: stock },
    {
      label: 'cpu, explicit-transpose gradient',
      backend: 'cpu',
      apply: () => (stock(), explicitEverywhere()),
    },
  ],
  Number(process.env['REPS'] ?? 100),
  Number(process.env['ROUNDS'] ?? 9),
);
