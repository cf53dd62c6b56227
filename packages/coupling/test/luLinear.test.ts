import { describe, expect, it } from 'vitest';
import { disposeParams, tf, type Batch } from '@bijective/core';
import { randomPermutationIndices, tfSeed } from '@bijective/core/params';
import { logAbsDet } from '@bijective/core/testing';
import { type LuLinearParams, luLinear, lowerTriangularInverse } from '../src/layers.js';

/** Read tensors produced inside a tidy, then dispose them. */
const read = (f: () => tf.Tensor[]): unknown[] => {
  const ts = tf.tidy(f);
  const values = ts.map((t) => t.arraySync());
  tf.dispose(ts);
  return values;
};

const randomParams = (d: number, seed: number): LuLinearParams => ({
  lower: tf.randomNormal([(d * (d - 1)) / 2], 0, 0.3, 'float32', tfSeed(seed)) as tf.Tensor1D,
  upper: tf.randomNormal([(d * (d - 1)) / 2], 0, 0.3, 'float32', seed + 1) as tf.Tensor1D,
  logDiag: tf.randomNormal([d], 0, 0.3, 'float32', seed + 2) as tf.Tensor1D,
});

/** W = P L U in float64 from the packed parameters (row-major strict triangles). */
const denseW = (d: number, p: LuLinearParams, perm: number[], signs: number[]): number[][] => {
  const lo = Array.from(p.lower.dataSync());
  const up = Array.from(p.upper.dataSync());
  const ld = Array.from(p.logDiag.dataSync());
  const L = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  const U = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  let kl = 0;
  let ku = 0;
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      if (j < i) L[i]![j] = lo[kl++]!;
      if (j === i) {
        L[i]![j] = 1;
        U[i]![j] = signs[i]! * Math.exp(ld[i]!);
      }
      if (j > i) U[i]![j] = up[ku++]!;
    }
  const LU = L.map((row) => U[0]!.map((_, j) => row.reduce((s, v, k) => s + v * U[k]![j]!, 0)));
  return perm.map((pi) => LU[pi]!); // (P A)_i = A_{perm[i]}
};

describe('lowerTriangularInverse', () => {
  for (const d of [1, 3, 16, 64]) {
    it(`L⁻¹ L = I for d = ${d} (max error ≤ 1e-4: float32 substitution, well-conditioned L)`, () => {
      const before = tf.memory().numTensors;
      const [err] = read(() => {
        const raw = tf.randomNormal([d, d], 0, 0.2, 'float32', d) as tf.Tensor2D;
        const l = tf.add(tf.linalg.bandPart(raw, -1, 0), tf.mul(tf.eye(d), 1.5)) as tf.Tensor2D;
        const prod = tf.matMul(lowerTriangularInverse(l), l);
        return [tf.max(tf.abs(tf.sub(prod, tf.eye(d))))];
      }) as [number];
      expect(err).toBeLessThanOrEqual(1e-4);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('matches a hand-computed inverse and ignores entries above the diagonal', () => {
    const [inv] = read(() => [
      lowerTriangularInverse(
        tf.tensor2d([
          [2, 9],
          [1, 1],
        ]),
      ),
    ]) as [number[][]];
    expect(inv).toEqual([
      [0.5, 0],
      [-0.5, 1],
    ]);
  });
});

describe('luLinear', () => {
  for (const d of [2, 5, 64]) {
    it(`forward is y = P L U x and the log-det is log|det W| (d = ${d})`, () => {
      const seed = 11;
      const signs = Array.from({ length: d }, (_, i) => (i % 3 === 0 ? -1 : 1));
      const def = luLinear({ dim: d, seed, signs });
      const params = randomParams(d, d);
      const W = denseW(d, params, randomPermutationIndices(d, seed), signs);
      const x = tf.randomNormal([4, d], 0, 1, 'float32', 3) as Batch;
      const xs = x.arraySync();
      const [y, ld, back, ild] = read(() => {
        const b = def.apply(params);
        const f = b.forward(x);
        const inv = b.inverse(f.y);
        return [f.y, f.logDet, inv.x, inv.logDet];
      }) as [number[][], number[], number[][], number[]];
      const exactLogDet = logAbsDet(W);
      xs.forEach((row, r) => {
        W.forEach((wi, i) => {
          const expected = wi.reduce((s, v, j) => s + v * row[j]!, 0);
          expect(Math.abs(y[r]![i]! - expected)).toBeLessThanOrEqual(
            1e-4 * (1 + Math.abs(expected)),
          );
        });
        // Round trip through the triangular inverses; d = 64 accumulates more float32 rounding.
        row.forEach((v, j) =>
          expect(Math.abs(back[r]![j]! - v)).toBeLessThanOrEqual(d > 8 ? 1e-3 : 1e-5),
        );
        expect(Math.abs(ld[r]! - exactLogDet)).toBeLessThanOrEqual(
          1e-4 * (1 + Math.abs(exactLogDet)),
        );
        expect(ild[r]).toBeCloseTo(-ld[r]!, 5);
      });
      x.dispose();
      disposeParams(params);
    });
  }

  it('starts as the fixed permutation P (volume preserving)', () => {
    const def = luLinear({ dim: 5, seed: 4 });
    const params = def.init(0);
    const perm = randomPermutationIndices(5, 4);
    const [y, ld] = read(() => {
      const f = def.apply(params).forward(tf.tensor2d([[0, 1, 2, 3, 4]]));
      return [f.y, f.logDet];
    }) as [number[][], number[]];
    expect(y[0]).toEqual(perm);
    expect(ld).toEqual([0]);
    disposeParams(params);
  });

  it('has finite gradients through the inverse at d = 16, without leaks', () => {
    const def = luLinear({ dim: 16, seed: 2 });
    const params = randomParams(16, 5);
    const before = tf.memory().numTensors;
    const grads = read(() => {
      const y = tf.randomNormal([8, 16], 0, 1, 'float32', 9) as Batch;
      const loss = (lower: tf.Tensor, upper: tf.Tensor, logDiag: tf.Tensor) => {
        const inv = def
          .apply({
            lower: lower as tf.Tensor1D,
            upper: upper as tf.Tensor1D,
            logDiag: logDiag as tf.Tensor1D,
          })
          .inverse(y);
        return tf.add(tf.sum(tf.square(inv.x)), tf.sum(inv.logDet)) as tf.Scalar;
      };
      return tf.grads(loss)([params.lower, params.upper, params.logDiag]);
    }) as number[][];
    expect(tf.memory().numTensors).toBe(before);
    for (const g of grads) {
      expect(g.every(Number.isFinite)).toBe(true);
      expect(g.some((v) => v !== 0)).toBe(true);
    }
    disposeParams(params);
  });

  it('rejects invalid signs', () => {
    expect(() => luLinear({ dim: 2, signs: [1, 0] })).toThrow(/signs/);
    expect(() => luLinear({ dim: 0 })).toThrow(/dim/);
  });
});
