import * as E from 'fp-ts/lib/Either.js';
import { disposeParams, DivergedError, fit, meanNll, tf } from '@bijective/core';
import { flattenParams, paramsAreFinite, tfSeed } from '@bijective/core/params';
import { describe, expect, it } from 'vitest';
import { ffjord, fitFfjord, solveTally } from '../src/index.js';
import {
  dopri5,
  drawProbe,
  exactDivergence,
  hutchinsonDivergence,
  rk4,
} from '../src/solvers/index.js';
import { type DynamicsDef, continuousFlow, ffjordTransform } from '../src/dynamics/index.js';

/**
 * Scaled-rotation dynamics f(z) = s·A z with A = [[a, -w], [w, a]] and one
 * parameter s. Then ‖z(t)‖ = e^{sat}‖x‖, ‖f‖² = s²(a² + w²)‖z‖², so
 *   E_K = ∫₀ᵀ ‖f‖² dt = s²(a² + w²)‖x‖² (e^{2saT} - 1) / (2sa),
 *   E_J = ∫₀ᵀ ‖∂f/∂z‖²_F dt = 2 s²(a² + w²) T,   logDet = 2 s a T.
 */
const a = 0.3;
const w = 1.2;
type S = { readonly s: tf.Scalar };
const rotation: DynamicsDef<S> = {
  init: () => ({ s: tf.scalar(1) }),
  apply:
    ({ s }) =>
    (_t, z) =>
      tf.mul(
        s,
        tf.matMul(
          z,
          tf.tensor2d([
            [a, -w],
            [w, a],
          ]),
          false,
          true,
        ),
      ) as tf.Tensor2D,
};
const kinetic = (s: number, T: number, r2: number) =>
  (s * s * (a * a + w * w) * r2 * (Math.exp(2 * s * a * T) - 1)) / (2 * s * a);

describe('Jacobian Frobenius norm from the trace products', () => {
  const A = [
    [0.5, -1, 2],
    [0.25, 0, -0.5],
    [1, 1.5, -2],
  ];
  const frob2 = A.flat().reduce((s, v) => s + v * v, 0);
  const f = (z: tf.Tensor2D) => tf.matMul(z, tf.tensor2d(A), false, true) as tf.Tensor2D;

  it('exact: Σᵢ ‖eᵢᵀJ‖² = ‖A‖²_F on every row (1e-4), and nothing when not asked for', () => {
    const before = tf.memory().numTensors;
    const z = tf.randomNormal([5, 3], 0, 1, 'float32', tfSeed(0)) as tf.Tensor2D;
    const got = tf.tidy(() => exactDivergence(f, z, undefined, true).frobenius!.arraySync());
    for (const v of got) expect(Math.abs(v - frob2)).toBeLessThan(1e-4);
    expect(tf.tidy(() => exactDivergence(f, z).frobenius)).toBeUndefined();
    z.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  for (const kind of ['gaussian', 'rademacher'] as const) {
    it(`Hutchinson (${kind}): ‖εᵀJ‖² averages to ‖A‖²_F within 4 standard errors`, () => {
      const M = 4000;
      const est = tf.tidy(() => {
        const z = tf.zeros([M, 3]) as tf.Tensor2D;
        return Array.from(
          hutchinsonDivergence(
            f,
            z,
            drawProbe(kind, [M, 3], 5),
            undefined,
            true,
          ).frobenius!.dataSync(),
        );
      });
      const mean = est.reduce((s, v) => s + v, 0) / M;
      const sd = Math.sqrt(est.reduce((s, v) => s + (v - mean) ** 2, 0) / (M - 1));
      expect(sd).toBeGreaterThan(0);
      expect(Math.abs(mean - frob2)).toBeLessThan(4 * (sd / Math.sqrt(M)));
    });
  }
});

describe('regularizedForward: RNODE integrals of linear dynamics against their closed forms', () => {
  const x = [
    [1, -0.5],
    [0.2, 0.7],
  ];
  for (const [name, solver] of [
    ['rk4 (40 steps)', rk4({ steps: 40 })],
    ['dopri5 (1e-6)', dopri5({ rtol: 1e-6, atol: 1e-6 })],
  ] as const) {
    for (const T of [0.5, 1.5]) {
      it(`${name}, T = ${T}: E_K, E_J, logDet and z(T) match (relative 1e-4), same as forward`, () => {
        const before = tf.memory().numTensors;
        const def = ffjordTransform({ dynamics: rotation, T, solver, trace: 'exact' });
        const p = def.init(0);
        const xt = tf.tensor2d(x);
        const [ke, jn, ld, y, yPlain] = tf.tidy(() => {
          const r = def.regularizedForward(p)(xt);
          const plain = def.apply(p).forward(xt);
          return [r.kineticEnergy, r.jacobianNorm, r.logDet, r.y, plain.y].map((t) =>
            t.arraySync(),
          );
        }) as unknown as [number[], number[], number[], number[][], number[][]];
        const close = (got: number, want: number) =>
          expect(Math.abs(got - want)).toBeLessThan(1e-4 * Math.max(1, Math.abs(want)));
        x.forEach((row, i) => {
          const r2 = row[0]! ** 2 + row[1]! ** 2;
          close(ke[i]!, kinetic(1, T, r2));
          close(jn[i]!, 2 * (a * a + w * w) * T);
          close(ld[i]!, 2 * a * T);
          close(Math.hypot(y[i]![0]!, y[i]![1]!), Math.exp(a * T) * Math.sqrt(r2));
          // rk4's fixed grid gives the same z; Dopri5's step control sees the extra component, so only to its tolerance.
          y[i]!.forEach((v, j) => expect(Math.abs(v - yPlain[i]![j]!)).toBeLessThan(1e-4));
        });
        xt.dispose();
        disposeParams(p);
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  }

  for (const gradient of ['backprop', 'adjoint'] as const) {
    it(`${gradient}: dE_K/ds and dE_J/ds match the closed form's derivative (relative 1e-3)`, () => {
      const T = 1;
      const def = ffjordTransform({
        dynamics: rotation,
        T,
        solver: rk4({ steps: 40 }),
        trace: 'exact',
        gradient,
      });
      const xt = tf.tensor2d(x);
      const s0 = 0.8;
      const p = { s: tf.scalar(s0) };
      const [gK, gJ] = [0, 1].map((which) =>
        tf.tidy(
          () =>
            tf
              .grad((s: tf.Tensor) => {
                const r = def.regularizedForward({ s: s as tf.Scalar })(xt);
                return tf.sum(which === 0 ? r.kineticEnergy : r.jacobianNorm);
              })(p.s)
              .dataSync()[0]!,
        ),
      );
      // Derivatives of the closed forms by central differences in float64.
      const h = 1e-6;
      const r2s = x.map((row) => row[0]! ** 2 + row[1]! ** 2);
      const sumK = (s: number) => r2s.reduce((acc, r2) => acc + kinetic(s, T, r2), 0);
      const wantK = (sumK(s0 + h) - sumK(s0 - h)) / (2 * h);
      const wantJ = x.length * 4 * s0 * (a * a + w * w) * T;
      expect(Number.isFinite(gK!)).toBe(true);
      expect(Math.abs(gK! - wantK)).toBeLessThan(1e-3 * Math.abs(wantK));
      expect(Math.abs(gJ! - wantJ)).toBeLessThan(1e-3 * Math.abs(wantJ));
      tf.dispose([xt, p.s]);
    });
  }

  it('a solveTally fed by onSolve adds up every solve: rk4 with 5 steps is 20 evaluations a solve', () => {
    const tally = solveTally();
    const def = ffjordTransform({
      dynamics: rotation,
      solver: rk4({ steps: 5 }),
      trace: 'exact',
      onSolve: tally.onSolve,
    });
    const p = def.init(0);
    expect(tally.cost()).toEqual({ solves: 0, nfe: 0, steps: 0, rejected: 0, adjointNfe: 0 });
    tf.tidy(() => {
      const b = def.apply(p);
      b.forward(tf.ones([3, 2]));
      b.inverse(tf.ones([3, 2]));
      def.regularizedForward(p)(tf.ones([3, 2]));
    });
    expect(tally.cost()).toEqual({ solves: 3, nfe: 60, steps: 15, rejected: 0, adjointNfe: 0 });
    // observe: a new definition also reporting to a second tally; the first keeps counting its own.
    const second = solveTally();
    tf.tidy(() => {
      def
        .observe(second.onSolve)
        .apply(p)
        .forward(tf.ones([3, 2]));
    });
    expect(second.cost()).toEqual({ solves: 1, nfe: 20, steps: 5, rejected: 0, adjointNfe: 0 });
    expect(tally.cost().solves).toBe(4);
    tf.tidy(() => {
      def.apply(p).forward(tf.ones([3, 2]));
    });
    expect(second.cost().solves).toBe(1); // the original definition does not report to it
    disposeParams(p);
  });

  it('a definition holds no solve state: it has no cost counter, and repeated calls give the same result', () => {
    const def = ffjord({
      dim: 2,
      hidden: [8],
      solver: { kind: 'rk4', steps: 4 },
      trace: 'hutchinson',
      probeSeed: 3,
    });
    const p = def.init(0);
    const x = tf.tensor2d([
      [0.3, -0.2],
      [1, 0.5],
    ]);
    expect('cost' in def).toBe(false);
    const first = tf.tidy(() => def.apply(p).logProb(x).arraySync());
    const second = tf.tidy(() => def.apply(p).logProb(x).arraySync());
    expect(second).toEqual(first);
    x.dispose();
    disposeParams(p);
  });
});

describe('fitFfjord', () => {
  const data = () => {
    const n = 64;
    const side = tf.sub(
      tf.mul(
        tf.cast(tf.greaterEqual(tf.randomUniform([n, 1], 0, 1, 'float32', 1), 0.5), 'float32'),
        3,
      ),
      1.5,
    );
    return tf.add(
      tf.concat([side, tf.zeros([n, 1])], 1),
      tf.randomNormal([n, 2], 0, 0.4, 'float32', 2),
    ) as tf.Tensor2D;
  };
  const small = (trace: 'exact' | 'hutchinson') =>
    ffjord({
      dim: 2,
      hidden: [8],
      solver: { kind: 'rk4', steps: 4 },
      trace,
      probeSeed: 3,
    });

  it('the kinetic-energy weight lowers ∫‖f‖² dt after the same steps from the same start', async () => {
    const x = data();
    const run = async (kineticEnergy: number) => {
      const r = await fitFfjord(small('exact'), x, {
        maxSteps: 40,
        batchSize: 32,
        learningRate: 1e-2,
        kineticEnergy,
        jacobianNorm: kineticEnergy === 0 ? 0 : 1e-9, // records both integrals
        seed: 0,
      });
      if (E.isLeft(r)) throw r.left;
      const def = small('exact');
      const ke = tf.tidy(
        () => tf.mean(def.regularizedForward(r.right.params)(x).kineticEnergy).dataSync()[0]!,
      );
      disposeParams(r.right.params);
      return { ke, history: r.right.history };
    };
    const free = await run(0);
    const reg = await run(1);
    expect(free.history.every((h) => h.kineticEnergy === undefined)).toBe(true);
    expect(reg.history.every((h) => Number.isFinite(h.kineticEnergy!))).toBe(true);
    expect(reg.ke).toBeLessThan(0.5 * free.ke);
    expect(reg.history.at(-1)!.nfe).toBe(16); // rk4, 4 steps
    x.dispose();
  });

  it('keeps the parameters with the best validation loss scored by `evaluation`', async () => {
    const x = data();
    const v = tf.slice(x, [0, 0], [16, 2]) as tf.Tensor2D;
    const evaluation = ffjord({ dim: 2, hidden: [8], trace: 'exact', solver: { kind: 'dopri5' } });
    const r = await fitFfjord(small('hutchinson'), x, {
      epochs: 3,
      batchSize: 32,
      learningRate: 1e-2,
      validation: v,
      evaluation,
      jacobianNorm: 0.01,
      seed: 1,
    });
    if (E.isLeft(r)) throw r.left;
    const best = Math.min(...r.right.history.map((h) => h.valLoss!));
    expect(r.right.bestValLoss).toBe(best);
    expect(meanNll(evaluation, r.right.params, v)).toBeCloseTo(best, 5);
    expect(r.right.steps).toBe(6);
    disposeParams(r.right.params);
    tf.dispose([x, v]);
  });

  it('rejects bad options with a typed Left', async () => {
    const x = data();
    for (const bad of [{ kineticEnergy: -1 }, { jacobianNorm: Number.NaN }, { batchSize: 0 }]) {
      const r = await fitFfjord(small('exact'), x, bad);
      expect(E.isLeft(r) && r.left.kind).toBe('ValueError');
    }
    const r = await fitFfjord(small('exact'), [[1, 2, 3]]);
    expect(E.isLeft(r) && r.left.kind).toBe('ShapeError');
    x.dispose();
  });

  it('without regularisers it is core fit: same parameters, trainNll = trainLoss, NFE per step reported', async () => {
    const x = data();
    const options = {
      seed: 2,
      epochs: 2,
      batchSize: 24,
      learningRate: 1e-2,
      validationFraction: 0,
    };
    const progress: number[] = [];
    const r = await fitFfjord(small('exact'), x, {
      ...options,
      kineticEnergy: 0,
      jacobianNorm: 0,
      onProgress: (p) => void progress.push(p.trainNll),
    });
    const c = await fit(small('exact'), x, options);
    if (E.isLeft(r)) throw r.left;
    if (E.isLeft(c)) throw c.left;
    const leaves = (p: typeof r.right.params) =>
      flattenParams(p).map((l) => Array.from(l.tensor.dataSync()));
    expect(leaves(r.right.params)).toEqual(leaves(c.right.params));
    expect(r.right.history.map((h) => h.trainNll)).toEqual(c.right.history.map((h) => h.trainLoss));
    expect(progress).toEqual(r.right.history.map((h) => h.trainNll));
    expect(r.right.history.map((h) => h.nfe)).toEqual([16, 16]); // rk4, 4 steps, per training solve
    expect(
      r.right.history.every((h) => h.kineticEnergy === undefined && h.jacobianNorm === undefined),
    ).toBe(true);
    expect(r.right.history.every((h) => h.valLoss === undefined)).toBe(true); // nothing held out
    disposeParams(r.right.params);
    disposeParams(c.right.params);
    x.dispose();
  });

  it('seeded Hutchinson training is reproducible: two runs from fresh definitions give the same parameters', async () => {
    const x = data();
    const run = async () => {
      const r = await fitFfjord(small('hutchinson'), x, {
        seed: 1,
        epochs: 2,
        batchSize: 24,
        learningRate: 1e-2,
        kineticEnergy: 0.01,
      });
      if (E.isLeft(r)) throw r.left;
      const leaves = flattenParams(r.right.params).map((l) => Array.from(l.tensor.dataSync()));
      disposeParams(r.right.params);
      return { leaves, nfe: r.right.history.map((h) => h.nfe) };
    };
    const a = await run();
    const b = await run();
    expect(b.leaves).toEqual(a.leaves);
    expect(a.nfe).toEqual([16, 16]);
    expect(b.nfe).toEqual(a.nfe);
    x.dispose();
  });

  it('a solver that gives up ends in DivergedError with the last finite parameters', async () => {
    const x = data();
    const def = ffjord({
      dim: 2,
      hidden: [8],
      trace: 'exact',
      solver: { kind: 'dopri5', maxSteps: 2, rtol: 1e-9, atol: 1e-9 },
    });
    // The abandoned forward pass's tape is released too (core's lossAndGrads): no tensor outlives the call.
    const before = tf.memory().numTensors;
    const r = await fitFfjord(def, x, { maxSteps: 3, batchSize: 32, kineticEnergy: 0.1 });
    expect(E.isLeft(r) && r.left).toBeInstanceOf(DivergedError);
    if (E.isLeft(r)) {
      const err = r.left as DivergedError;
      expect(err.step).toBe(0);
      expect(err.message).toMatch(/no convergence/);
      expect(paramsAreFinite(err.lastGoodParams)).toBe(true);
      disposeParams(err.lastGoodParams);
    }
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('a custom continuousFlow trains too (its transform provides the regularised solve)', async () => {
    const def = continuousFlow({
      name: 'rot',
      dim: 2,
      transform: ffjordTransform({ dynamics: rotation, solver: rk4({ steps: 4 }) }),
    });
    const x = data();
    const r = await fitFfjord(def, x, { maxSteps: 3, batchSize: 32, kineticEnergy: 0.1 });
    if (E.isLeft(r)) throw r.left;
    expect(r.right.steps).toBe(3);
    disposeParams(r.right.params);
    x.dispose();
  });
});
