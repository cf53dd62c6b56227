import * as E from 'fp-ts/lib/Either.js';
import { disposeParams, logProb, meanNll, tf } from '@bijective/core';
import { flattenParams, mulberry32 } from '@bijective/core/params';
import { describe, expect, it } from 'vitest';
import { fitFlowMatching, flowMatching, flowMatchingLoss } from '../src/index.js';
import { hungarian, squaredDistances } from '../src/dynamics/index.js';

const permutations = (n: number): number[][] =>
  n === 0
    ? [[]]
    : permutations(n - 1).flatMap((p) =>
        Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]),
      );

describe('hungarian', () => {
  it('finds the minimum-cost assignment (brute force over all permutations, n ≤ 6)', () => {
    const rand = mulberry32(3);
    for (let trial = 0; trial < 40; trial++) {
      const n = 1 + (trial % 6);
      const cost = Array.from({ length: n }, () =>
        Array.from({ length: n }, () => Math.round(rand() * 20) - 5),
      );
      const perm = hungarian(cost);
      expect([...perm].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
      const total = (p: readonly number[]) => p.reduce((s, j, i) => s + cost[i]![j]!, 0);
      const best = Math.min(...permutations(n).map(total));
      expect(total(perm)).toBe(best);
    }
  });

  it('pairs points with a shifted copy of themselves exactly (squared Euclidean cost)', () => {
    const rand = mulberry32(5);
    const n = 30;
    const x = Array.from({ length: 2 * n }, () => rand() * 10);
    const shift = Array.from({ length: n }, (_, i) => i).sort(() => rand() - 0.5);
    const y = shift.flatMap((i) => [x[2 * i]! + 0.01, x[2 * i + 1]! - 0.01]);
    const perm = hungarian(squaredDistances(x, y, n, 2));
    perm.forEach((j, i) => expect(shift[j]).toBe(i));
  });
});

describe('flow matching', () => {
  it('the loss is zero for the exact conditional velocity when all data sit at one point', () => {
    // Data δ_c, σ_min = 0: x_t = (1-t)c + t z, so z = (x_t - (1-t)c)/t and u = z - c = (x_t - c)/t.
    const c = [1.5, -0.5];
    const field = (t: number | tf.Tensor1D, z: tf.Tensor2D) =>
      tf.div(tf.sub(z, tf.tensor1d(c)), tf.reshape(t as tf.Tensor1D, [-1, 1])) as tf.Tensor2D;
    const loss = tf.tidy(() => {
      const x = tf.tile(tf.tensor2d([c]), [8, 1]) as tf.Tensor2D;
      const z = tf.randomNormal([8, 2], 0, 1, 'float32', 1) as tf.Tensor2D;
      const t = tf.randomUniform([8], 0.1, 1, 'float32', 2) as tf.Tensor1D;
      return flowMatchingLoss(field, x, z, t, { T: 1 }).dataSync()[0]!;
    });
    expect(loss).toBeLessThan(1e-10);
  });

  it('rejects bad options and OT coupling for a conditional flow, as Left', async () => {
    const def = flowMatching({ dim: 2, hidden: [4] });
    const bad = await fitFlowMatching(def, [[0, 0]], { steps: 0 });
    expect(E.isLeft(bad) && bad.left.kind).toBe('ValueError');
    const shape = await fitFlowMatching(def, [[0, 0, 0]], { steps: 1 });
    expect(E.isLeft(shape) && shape.left.kind).toBe('ShapeError');
    const cond = flowMatching({ dim: 2, hidden: [4], contextDim: 1 });
    const ot = await fitFlowMatching(cond, [[0, 0]], { steps: 1, coupling: 'ot', context: [[1]] });
    expect(E.isLeft(ot) && ot.left.kind).toBe('ValueError');
  });

  for (const coupling of ['independent', 'ot'] as const) {
    it(`learns a Gaussian (${coupling} coupling): exact log-densities through the ODE approach the truth`, async () => {
      // Data N(μ, s² I) in 2-D; the exact log-density of the trained CNF
      // (exact trace, RK4) on held-out points should approach the true one.
      const mu = [2, -1];
      const s = 0.5;
      const n = 1024;
      const data = tf.tidy(() =>
        tf.add(tf.mul(tf.randomNormal([n, 2], 0, 1, 'float32', 7), s), tf.tensor1d(mu)),
      ) as tf.Tensor2D;
      const test = tf.tidy(() =>
        tf.add(tf.mul(tf.randomNormal([256, 2], 0, 1, 'float32', 8), s), tf.tensor1d(mu)),
      ) as tf.Tensor2D;
      const def = flowMatching({ dim: 2, hidden: [16, 16], solver: { kind: 'rk4', steps: 8 } });
      const before = tf.memory().numTensors;
      const r = await fitFlowMatching(def, data, {
        steps: 200,
        batchSize: 64,
        learningRate: 1e-2,
        coupling,
        seed: 1,
        // The plain last parameters on all the data (the defaults average and hold out 10%).
        ema: 0,
        validationFraction: 0,
      });
      if (E.isLeft(r)) throw r.left;
      const { params, history } = r.right;
      expect(history).toHaveLength(200);
      const early = history.slice(0, 20).reduce((a, b) => a + b, 0) / 20;
      const late = history.slice(-20).reduce((a, b) => a + b, 0) / 20;
      expect(late).toBeLessThan(early);
      const lp = logProb(def, params, test);
      if (E.isLeft(lp)) throw lp.left;
      const values = Array.from(lp.right.dataSync());
      const nll = -values.reduce((a, b) => a + b, 0) / values.length;
      lp.right.dispose();
      // The true log-density on the same held-out points, in float64.
      const rows = test.arraySync();
      const trueNll =
        rows.reduce(
          (acc, [a, b]) =>
            acc +
            Math.log(2 * Math.PI * s * s) +
            ((a! - mu[0]!) ** 2 + (b! - mu[1]!) ** 2) / (2 * s * s),
          0,
        ) / rows.length;
      // 200 steps of a small network get within 0.1 nats of the truth (measured
      // gaps: ~0.04 independent, ~0.03 OT); a model cannot beat the truth by much
      // on held-out points (the gap is a KL divergence up to sampling noise).
      expect(nll - trueNll).toBeLessThan(0.1);
      expect(nll - trueNll).toBeGreaterThan(-0.05);
      disposeParams(params);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([data, test]);
    });
  }

  it('with validation: returns the parameters of the best score, stops on patience', async () => {
    const data = tf.randomNormal([128, 2], 1, 0.5, 'float32', 3) as tf.Tensor2D;
    const val = tf.randomNormal([32, 2], 1, 0.5, 'float32', 4) as tf.Tensor2D;
    const def = flowMatching({ dim: 2, hidden: [8], solver: { kind: 'rk4', steps: 4 } });
    const before = tf.memory().numTensors;
    const r = await fitFlowMatching(def, data, {
      steps: 60,
      batchSize: 32,
      learningRate: 5e-2,
      validation: val,
      validateEvery: 10,
      patience: 2,
      ema: 0.9,
      seed: 2,
    });
    if (E.isLeft(r)) throw r.left;
    const { validation, bestValLoss, bestStep, params, stoppedBy, steps } = r.right;
    expect(validation.map((v) => v.step)).toEqual(
      Array.from({ length: validation.length }, (_, i) => 10 * (i + 1)),
    );
    expect(bestValLoss).toBe(Math.min(...validation.map((v) => v.loss)));
    expect(validation.find((v) => v.step === bestStep)!.loss).toBe(bestValLoss);
    expect(meanNll(def, params, val)).toBeCloseTo(bestValLoss!, 5);
    // Either the scores kept improving to the last step, or two in a row did not.
    if (stoppedBy === 'patience') expect(steps).toBe(bestStep + 20);
    else expect(steps).toBe(60);
    disposeParams(params);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([data, val]);
  });

  it('ema: after one step the average is β₀θ₀ + (1 - β₀)θ₁ with the warm-up β₀ = min(β, 1/10)', async () => {
    const data = tf.randomNormal([64, 2], 0, 1, 'float32', 5) as tf.Tensor2D;
    const def = flowMatching({ dim: 2, hidden: [4] });
    const options = { steps: 1, batchSize: 16, learningRate: 0.1, seed: 3, validationFraction: 0 };
    const plain = await fitFlowMatching(def, data, { ...options, ema: 0 });
    const averaged = await fitFlowMatching(def, data, { ...options, ema: 0.9 });
    if (E.isLeft(plain) || E.isLeft(averaged)) throw new Error('training failed');
    const init = def.init(3);
    const [p0, p1, avg] = [init, plain.right.params, averaged.right.params].map((p) =>
      flattenParams(p).map((l) => Array.from(l.tensor.dataSync())),
    );
    avg!.forEach((leaf, i) =>
      leaf.forEach((v, j) => expect(v).toBeCloseTo(0.1 * p0![i]![j]! + 0.9 * p1![i]![j]!, 6)),
    );
    expect(avg).not.toEqual(p1);
    [init, plain.right.params, averaged.right.params].forEach((p) => disposeParams(p));
    const bad = await fitFlowMatching(def, data, { steps: 1, ema: 1 });
    expect(E.isLeft(bad) && bad.left.kind).toBe('ValueError');
    data.dispose();
  });
});
