import * as E from 'fp-ts/lib/Either.js';
import { disposeParams, logProb, sampleAndLogProb, tf } from '@bijective/core';
import { type DenseParams } from '@bijective/core/nn';
import { flattenParams, tfSeed } from '@bijective/core/params';
import { describe, expect, it } from 'vitest';
import { type SolveReport, ffjord, flowMatching } from '../src/index.js';
import {
  drawProbe,
  exactDivergence,
  hutchinsonDivergence,
  rk4,
  dopri5,
} from '../src/solvers/index.js';
import {
  type DynamicsDef,
  concatMlp,
  concatSquashMlp,
  ffjordTransform,
  probeSeedFor,
  timeEmbeddingMlp,
  timeFeatures,
} from '../src/dynamics/index.js';

/** Linear dynamics f(t, z) = z Aᵀ (row convention), A fixed in the closure. */
const linear = (A: number[][]): DynamicsDef<readonly []> => ({
  init: () => [],
  apply: () => (_t, z) => tf.matMul(z, tf.tensor2d(A), false, true) as tf.Tensor2D,
});

/** exp(tA) by its Taylor series in float64 (small matrices, ‖tA‖ < 1). */
const expm = (A: number[][], t: number): number[][] => {
  const n = A.length;
  let term: number[][] = A.map((r, i) => r.map((_, j) => (i === j ? 1 : 0)));
  const sum = term.map((r) => [...r]);
  for (let k = 1; k < 30; k++) {
    term = term.map((r) => r.map((_, j) => (t / k) * r.reduce((s, v, m) => s + v * A[m]![j]!, 0)));
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) sum[i]![j]! += term[i]![j]!;
  }
  return sum;
};

describe('ffjord transform with linear dynamics f(z) = A z', () => {
  const A = [
    [-0.3, 0.5, 0.1],
    [0.2, 0.4, -0.6],
    [0.0, 0.3, -0.5],
  ];
  const trA = -0.4;
  for (const [name, solver] of [
    ['rk4', rk4({ steps: 10 })],
    ['dopri5', dopri5({ rtol: 1e-6, atol: 1e-6 })],
  ] as const) {
    for (const T of [0.5, 1.5]) {
      it(`${name}, T = ${T}: logDet = T·tr A (1e-4), z(T) = exp(TA) x, inverse undoes it`, () => {
        const before = tf.memory().numTensors;
        const def = ffjordTransform({ dynamics: linear(A), T, solver, trace: 'exact' });
        const b = def.apply(def.init(0));
        const x = tf.tensor2d([
          [1, -2, 0.5],
          [0.3, 0.1, -1],
        ]);
        const [y, ld, xBack, ldInv] = tf.tidy(() => {
          const f = b.forward(x);
          const i = b.inverse(f.y);
          return [f.y, f.logDet, i.x, i.logDet].map((t) => t.arraySync());
        }) as unknown as [number[][], number[], number[][], number[]];
        for (const v of ld) expect(Math.abs(v - T * trA)).toBeLessThan(1e-4);
        for (const v of ldInv) expect(Math.abs(v + T * trA)).toBeLessThan(1e-4);
        const M = expm(A, T);
        const xs = x.arraySync();
        xs.forEach((row, r) =>
          M.forEach((mRow, i) =>
            expect(Math.abs(y[r]![i]! - mRow.reduce((s, m, j) => s + m * row[j]!, 0))).toBeLessThan(
              1e-4,
            ),
          ),
        );
        xs.forEach((row, r) =>
          row.forEach((v, j) => expect(Math.abs(xBack[r]![j]! - v)).toBeLessThan(1e-4)),
        );
        x.dispose();
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  }
});

describe('trace estimators', () => {
  it('exact divergence equals the trace of the brute-force Jacobian of a nonlinear field, with context', () => {
    const net = concatSquashMlp({ dim: 3, hidden: [16], contextDim: 2 });
    const params = net.init(3);
    const f = net.apply(params);
    const z = tf.randomNormal([4, 3], 0, 1, 'float32', 1) as tf.Tensor2D;
    const c = tf.randomNormal([4, 2], 0, 1, 'float32', 2) as tf.Tensor2D;
    const div = tf
      .tidy(() => exactDivergence((zz, cc) => f(0.3, zz, cc), z, c).divergence)
      .arraySync() as number[];
    // Jacobian diagonal by dim separate gradients.
    const diag = [0, 1, 2].map(
      (i) =>
        tf
          .tidy(() =>
            tf.grad((zz: tf.Tensor) =>
              tf.sum(tf.slice(f(0.3, zz as tf.Tensor2D, c), [0, i], [4, 1])),
            )(z),
          )
          .arraySync() as number[][],
    );
    div.forEach((d, r) =>
      expect(d).toBeCloseTo(diag[0]![r]![0]! + diag[1]![r]![1]! + diag[2]![r]![2]!, 4),
    );
    tf.dispose([z, c]);
    disposeParams(params);
  });

  for (const kind of ['gaussian', 'rademacher'] as const) {
    it(`Hutchinson (${kind}): the mean of many probes matches the exact trace within 4 standard errors`, () => {
      const net = concatSquashMlp({ dim: 3, hidden: [16] });
      const params = net.init(5);
      const f = net.apply(params);
      const M = 4000;
      const row = tf.randomNormal([1, 3], 0, 1, 'float32', 9) as tf.Tensor2D;
      const [exact, estimates] = tf.tidy(() => {
        const exact = exactDivergence((zz) => f(0.7, zz), row).divergence;
        const z = tf.tile(row, [M, 1]) as tf.Tensor2D;
        const est = hutchinsonDivergence(
          (zz) => f(0.7, zz),
          z,
          drawProbe(kind, [M, 3], 11),
        ).divergence;
        return [exact.dataSync()[0]!, Array.from(est.dataSync())];
      }) as unknown as [number, number[]];
      const mean = estimates.reduce((a, b) => a + b, 0) / M;
      const sd = Math.sqrt(estimates.reduce((a, b) => a + (b - mean) ** 2, 0) / (M - 1));
      expect(sd).toBeGreaterThan(0); // a genuinely stochastic estimate
      expect(Math.abs(mean - exact)).toBeLessThan(4 * (sd / Math.sqrt(M)));
      tf.dispose(row);
      disposeParams(params);
    });
  }

  it('Rademacher probes have ±1 entries; the probe is fixed during a solve (same seed → same estimate)', () => {
    const eps = drawProbe('rademacher', [50, 4], 3);
    const v = Array.from(eps.dataSync());
    expect(v.every((e) => e === 1 || e === -1)).toBe(true);
    eps.dispose();
    const make = () =>
      ffjordTransform({
        dynamics: concatSquashMlp({ dim: 2, hidden: [8] }),
        solver: rk4({ steps: 4 }),
        trace: 'hutchinson',
        probeSeed: 4,
      });
    const d1 = make();
    const d2 = make();
    const p = d1.init(0);
    const x = tf.randomNormal([3, 2], 0, 1, 'float32', tfSeed(0)) as tf.Tensor2D;
    const a = tf.tidy(() => d1.apply(p).forward(x).logDet).arraySync();
    const b = tf.tidy(() => d2.apply(p).forward(x).logDet).arraySync();
    const c = tf.tidy(() => d2.apply(p).forward(x).logDet).arraySync();
    expect(a).toEqual(b); // same seed, same inputs
    expect(c).toEqual(b); // no counter in the definition: the same call draws the same probe
    // A different batch draws a different probe: the first 3 rows' estimates change.
    const xx = tf.concat([x, x]);
    const d = tf
      .tidy(() => d2.apply(p).forward(xx).logDet)
      .arraySync()
      .slice(0, 3);
    expect(d).not.toEqual(b);
    expect(probeSeedFor(4, xx, undefined, 'forward')).not.toBe(
      probeSeedFor(4, x, undefined, 'forward'),
    );
    expect(probeSeedFor(4, x, undefined, 'inverse')).not.toBe(
      probeSeedFor(4, x, undefined, 'forward'),
    );
    tf.dispose([x, xx]);
    disposeParams(p);
  });
});

describe('dynamics networks', () => {
  for (const [name, net] of [
    ['concat', concatMlp({ dim: 2, hidden: [8, 8], contextDim: 1 })],
    ['concatSquash', concatSquashMlp({ dim: 2, hidden: [8, 8], contextDim: 1 })],
    ['timeEmbedding', timeEmbeddingMlp({ dim: 2, hidden: [8, 8], contextDim: 1 })],
  ] as const) {
    it(`${name}: one time for the batch equals per-row times, and time and context matter`, () => {
      const before = tf.memory().numTensors;
      const p = (net as DynamicsDef<readonly DenseParams[]>).init(1);
      const f = (net as DynamicsDef<readonly DenseParams[]>).apply(p);
      const [same, diffT, diffC] = tf.tidy(() => {
        const z = tf.randomNormal([5, 2], 0, 1, 'float32', 1) as tf.Tensor2D;
        const c = tf.randomNormal([5, 1], 0, 1, 'float32', 2) as tf.Tensor2D;
        const a = f(0.4, z, c);
        const b = f(tf.fill([5], 0.4) as tf.Tensor1D, z, c);
        const d = (u: tf.Tensor, v: tf.Tensor) => tf.max(tf.abs(tf.sub(u, v))).dataSync()[0]!;
        return [d(a, b), d(a, f(0.9, z, c)), d(a, f(0.4, z, tf.add(c, 1) as tf.Tensor2D))];
      }) as unknown as number[];
      expect(same).toBeLessThan(1e-6);
      expect(diffT).toBeGreaterThan(1e-4);
      expect(diffC).toBeGreaterThan(1e-4);
      disposeParams(p);
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});

describe('time features', () => {
  it('φ(t) = [cos(kπt/T), sin(kπt/T)]: closed form, and a [rows] time gives one row each', () => {
    const got = tf.tidy(() => timeFeatures(0.5, 1, 2).arraySync());
    [0, -1, 1, 0].forEach((v, i) => expect(got[0]![i]!).toBeCloseTo(v, 6));
    const rows = tf.tidy(() => timeFeatures(tf.tensor1d([0.3, 1.2]), 2, 3).arraySync());
    [0.3, 1.2].forEach((t, r) =>
      [1, 2, 3].forEach((k, i) => {
        expect(rows[r]![i]!).toBeCloseTo(Math.cos((k * Math.PI * t) / 2), 5);
        expect(rows[r]![3 + i]!).toBeCloseTo(Math.sin((k * Math.PI * t) / 2), 5);
      }),
    );
    expect(() => timeEmbeddingMlp({ dim: 2, frequencies: 0 })).toThrow(RangeError);
  });
});

describe('ffjord and flowMatching presets as flows', () => {
  it('logProb of samples matches sampleAndLogProb (exact trace), and onSolve reports NFE', () => {
    const reports: SolveReport[] = [];
    const def = ffjord({
      dim: 2,
      hidden: [8],
      trace: 'exact',
      solver: { kind: 'dopri5', rtol: 1e-6, atol: 1e-6 },
    });
    expect(def.config).toMatchObject({
      dim: 2,
      trace: 'exact',
      layer: 'concatSquash',
      solver: { kind: 'dopri5' },
    });
    const params = def.init(2);
    const r = sampleAndLogProb(def, params, 6, { seed: 1 });
    if (E.isLeft(r)) throw r.left;
    const lp = logProb(def, params, r.right.x);
    if (E.isLeft(lp)) throw lp.left;
    const a = r.right.logProb.arraySync();
    const b = lp.right.arraySync();
    a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThan(1e-3));
    tf.dispose([r.right.x, r.right.logProb, lp.right]);
    disposeParams(params);
    // A transform-level callback: build one and check the reports.
    const t = ffjordTransform({
      dynamics: concatSquashMlp({ dim: 2, hidden: [8] }),
      solver: dopri5(),
      onSolve: (s) => reports.push(s),
    });
    const tp = t.init(0);
    tf.tidy(() => t.apply(tp).forward(tf.ones([2, 2])).logDet);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ direction: 'forward', pass: 'solve' });
    expect(reports[0]!.nfe).toBe(6 * (reports[0]!.steps + reports[0]!.rejected) + 2);
    disposeParams(tp);
  });

  it('flowMatching preset: config and parameters are those of a time-embedding MLP with ELU and exact trace', () => {
    const def = flowMatching({ dim: 3, hidden: [4] });
    expect(def.config).toMatchObject({
      dim: 3,
      layer: 'timeEmbedding',
      frequencies: 3,
      activation: 'elu',
      trace: 'exact',
      T: 1,
    });
    const p = def.init(0);
    // [φ(t) (2·3 features), z (3)] → 4 → 3.
    expect(flattenParams(p).map((l) => l.tensor.shape)).toEqual([[4], [6 + 3, 4], [3], [4, 3]]);
    disposeParams(p);
    const concat = flowMatching({ dim: 3, hidden: [4], layer: 'concat', activation: 'swish' });
    const q = concat.init(0);
    expect(flattenParams(q).map((l) => l.tensor.shape)).toEqual([[4], [3 + 1, 4], [3], [4 + 1, 3]]);
    disposeParams(q);
  });
});
