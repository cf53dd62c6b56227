import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '@bijective/core';
import { adamInit, adamStep, disposeAdam } from '@bijective/core/training';
import {
  FUSED_ADAM,
  FUSED_ADAM_MULTI,
  SQUARED_NORM,
  hasFusedKernel,
  squaredNorm,
} from '@bijective/core/backend';
import { checkFusedOptimizer, expectNoLeaks } from '@bijective/core/testing';
import { SKIP_REASON, addonBuilt, calls, expectClose, setupNative, uniform } from './helpers.js';

const shapes: number[][] = [[1], [3, 17], [64, 128], [5, 2, 7]];

/** Three Adam steps from the same leaves and gradients on `backend`; returns the final leaves and moments. */
const threeSteps = async (backend: string): Promise<Float32Array[]> => {
  await tf.setBackend(backend);
  let leaves = shapes.map((s, i) =>
    tf.tensor(
      uniform(
        s.reduce((a, b) => a * b, 1),
        i + 1,
      ),
      s,
    ),
  );
  let state = adamInit(leaves);
  for (let step = 0; step < 3; step++) {
    const grads = shapes.map((s, i) =>
      tf.tensor(
        uniform(
          s.reduce((a, b) => a * b, 1),
          100 * step + i,
          -step - 1,
          step + 1,
        ),
        s,
      ),
    );
    const next = adamStep(leaves, grads, state, { learningRate: 0.05 });
    tf.dispose([...leaves, ...grads]);
    disposeAdam(state);
    leaves = next.leaves;
    state = next.state;
  }
  const out = [...leaves, ...state.m, ...state.v].map((t) =>
    (t.dataSync() as Float32Array).slice(),
  );
  tf.dispose(leaves);
  disposeAdam(state);
  return out;
};

describe.skipIf(!addonBuilt)(
  `core's fused kernels on native${addonBuilt ? '' : ` (skipped: ${SKIP_REASON})`}`,
  () => {
    beforeAll(setupNative);

    it('native registers both fused kernels; cpu has neither (it runs the composite ops)', async () => {
      await tf.setBackend('native');
      expect(hasFusedKernel(FUSED_ADAM) && hasFusedKernel(SQUARED_NORM)).toBe(true);
      await tf.setBackend('cpu');
      expect(hasFusedKernel(FUSED_ADAM) || hasFusedKernel(SQUARED_NORM)).toBe(false);
    });

    it('fused Adam (native) equals the composite Adam (cpu) over three steps, leaves and moments', async () => {
      const before = calls['adam'] ?? 0;
      const native = await threeSteps('native');
      expect((calls['adam'] ?? 0) - before).toBe(3 * shapes.length);
      const cpu = await threeSteps('cpu');
      native.forEach((n, i) =>
        expectClose(
          { shape: [n.length], dtype: 'float32', values: n },
          { shape: [n.length], dtype: 'float32', values: cpu[i]! },
          1e-6,
        ),
      );
    });

    it('squaredNorm (native kernel) equals sum of squares on cpu, for float32 and int32 inputs', async () => {
      const read = async (backend: string): Promise<number> => {
        await tf.setBackend(backend);
        const xs = [
          tf.tensor(uniform(1000, 7, -3, 3), [10, 100]),
          tf.tensor([1, -2, 3], [3], 'int32'),
          tf.scalar(0.5),
        ];
        const v = squaredNorm(xs);
        const out = v.dataSync()[0]!;
        tf.dispose([...xs, v]);
        return out;
      };
      const before = calls['sumSquares'] ?? 0;
      const native = await read('native');
      expect(calls['sumSquares'] ?? 0).toBeGreaterThan(before);
      const cpu = await read('cpu');
      expect(Math.abs(native - cpu)).toBeLessThanOrEqual(1e-6 * Math.abs(cpu));
    });

    it('fused Adam and squaredNorm leave no tensors behind', async () => {
      await tf.setBackend('native');
      await expectNoLeaks(() => {
        const leaves = [tf.ones([4, 4]), tf.zeros([3])];
        const grads = [tf.ones([4, 4]), tf.ones([3])];
        const s0 = adamInit(leaves);
        const r = adamStep(leaves, grads, s0);
        tf.dispose(squaredNorm(grads));
        tf.dispose([...leaves, ...grads, ...r.leaves]);
        disposeAdam(s0);
        disposeAdam(r.state);
      });
    });

    it('the multi-leaf Adam kernel matches the composite ops on cpu and the one-leaf kernel bit for bit', async () =>
      expect(await checkFusedOptimizer('native')).toEqual([]));

    it('adamStep updates every leaf in one engine call on native', async () => {
      await tf.setBackend('native');
      expect(hasFusedKernel(FUSED_ADAM_MULTI)).toBe(true);
      const leaves = [tf.ones([4, 4]), tf.zeros([3])];
      const s0 = adamInit(leaves);
      const seen: string[] = [];
      const config = tf.getKernel(FUSED_ADAM_MULTI, 'native')!;
      const original = config.kernelFunc;
      const single = tf.getKernel(FUSED_ADAM, 'native')!;
      const singleOriginal = single.kernelFunc;
      config.kernelFunc = (args) => (seen.push(FUSED_ADAM_MULTI), original(args));
      single.kernelFunc = (args) => (seen.push(FUSED_ADAM), singleOriginal(args));
      try {
        const r = adamStep(leaves, leaves, s0);
        tf.dispose(r.leaves);
        disposeAdam(r.state);
      } finally {
        config.kernelFunc = original;
        single.kernelFunc = singleOriginal;
      }
      expect(seen).toEqual([FUSED_ADAM_MULTI]);
      tf.dispose(leaves);
      disposeAdam(s0);
    });

    it('fused Adam rejects inputs of different sizes with a clear error', async () => {
      await tf.setBackend('native');
      const [p, m, v, g] = [tf.ones([3]), tf.zeros([3]), tf.zeros([3]), tf.ones([4])];
      expect(() =>
        tf
          .engine()
          .runKernel(
            FUSED_ADAM,
            { param: p, m, v, grad: g },
            { beta1: 0.9, beta2: 0.999, stepSize: 1e-3, epsHat: 1e-8 },
          ),
      ).toThrow(/differ in size/);
      tf.dispose([p, m, v, g]);
    });
  },
);
