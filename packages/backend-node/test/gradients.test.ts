import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '@bijective/core';
import { SKIP_REASON, addonBuilt, calls, expectClose, setupNative, uniform } from './helpers.js';

const t = (shape: number[], seed: number, scale = 1): tf.Tensor =>
  tf.tensor(
    uniform(
      shape.reduce((p, q) => p * q, 1),
      seed,
      -scale,
      scale,
    ),
    shape,
  );

/** Runs `fn` (which returns several tensors) on a backend and reads them all. */
const runAll = async (name: string, fn: () => tf.Tensor[]) => {
  await tf.setBackend(name);
  const ts = tf.tidy(fn);
  const out = ts.map((x) => ({
    shape: x.shape,
    dtype: x.dtype,
    values: (x.dataSync() as Float32Array).slice(),
  }));
  tf.dispose(ts);
  return out;
};

const agreeAll = async (fn: () => tf.Tensor[]): Promise<void> => {
  const cpu = await runAll('cpu', fn);
  const native = await runAll('native', fn);
  expect(native.length).toBe(cpu.length);
  cpu.forEach((c, i) => {
    const n = native[i];
    if (n === undefined) throw new Error('missing output');
    expectClose(n, c);
  });
};

/** One hidden layer: fused matMul + bias + relu, then softplus/tanh/exp heads, then a log-likelihood-like loss. */
const mlpLoss = (
  x: tf.Tensor,
  w1: tf.Tensor,
  b1: tf.Tensor,
  w2: tf.Tensor,
  b2: tf.Tensor,
): tf.Scalar => {
  const h = tf.fused.matMul({ a: x, b: w1, bias: b1, activation: 'relu' });
  const h2 = tf.tanh(tf.add(tf.matMul(h, w2), b2));
  const scale = tf.softplus(h2);
  const z = tf.div(tf.sub(tf.slice(x, [0, 0], [-1, 3]), tf.sigmoid(h2)), scale);
  return tf.add(
    tf.mean(tf.add(tf.mul(0.5, tf.square(z)), tf.log(scale))),
    tf.mul(tf.sum(tf.exp(tf.neg(tf.square(w2)))), 1e-3),
  );
};

describe.skipIf(!addonBuilt)(
  `gradients on native equal cpu's${addonBuilt ? '' : ` (skipped: ${SKIP_REASON})`}`,
  () => {
    beforeAll(setupNative);

    it('d/da, d/db of sum(w * matMul(a, b)) for every transpose pair', async () => {
      for (const [ta, tb] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ] as const) {
        const [m, k, n] = [17, 33, 3];
        await agreeAll(() => {
          const w = t([m, n], 3);
          const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
            tf.sum(tf.mul(w, tf.matMul(a, b, ta, tb))),
          );
          return g([t(ta ? [k, m] : [m, k], 1), t(tb ? [n, k] : [k, n], 2)]);
        });
      }
    });

    // tfjs-core 4.22's BatchMatMul gradient does not sum over broadcast batch
    // dims (it throws on every backend), so the batched case uses equal batches.
    it('batched matMul gradient', async () => {
      await agreeAll(() => {
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.square(tf.matMul(a, b, false, true))),
        );
        return g([t([3, 17, 33], 4), t([3, 5, 33], 5)]);
      });
    });

    it('a tiny MLP agrees forward and backward (loss and every parameter gradient)', async () => {
      const before = calls['gemm'] ?? 0;
      await agreeAll(() => {
        const x = t([64, 5], 6, 2);
        const params = [t([5, 33], 7), t([33], 8, 0.1), t([33, 3], 9), t([3], 10, 0.1)];
        const { value, grads } = tf.valueAndGrads((...p: tf.Tensor[]) =>
          mlpLoss(x, p[0] as tf.Tensor, p[1] as tf.Tensor, p[2] as tf.Tensor, p[3] as tf.Tensor),
        )(params);
        return [value, ...grads];
      });
      expect(calls['gemm'] ?? 0).toBeGreaterThan(before);
    });

    it('no tensors leak on native (numTensors returns to baseline)', async () => {
      await tf.setBackend('native');
      const x = t([64, 5], 11);
      const w = t([5, 33], 12);
      const b = t([33], 13);
      const baseline = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) {
        const g = tf.tidy(() =>
          tf.grads((wv: tf.Tensor, bv: tf.Tensor) =>
            tf.sum(tf.softplus(tf.fused.matMul({ a: x, b: wv, bias: bv, activation: 'relu' }))),
          )([w, b]),
        );
        tf.dispose(g);
        tf.tidy(() =>
          tf.max(tf.exp(tf.sub(tf.matMul(x, w, false, false), tf.sum(w, 0))), 1),
        ).dispose();
      }
      expect(tf.memory().numTensors).toBe(baseline);
      tf.dispose([x, w, b]);
    });
  },
);
