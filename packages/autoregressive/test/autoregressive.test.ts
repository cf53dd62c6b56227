import { describe, expect, it } from 'vitest';
import { disposeParams, tf, type Batch, type Bijection, type TransformDef } from '@bijective/core';
import { flattenParams, splitSeed, tfSeed } from '@bijective/core/params';
import { flowAsTransform, jacobianRows } from '@bijective/core/testing';
import { iaf, maf, mafSpline } from '../src/index.js';
import {
  type Ordering,
  affineAutoregressive,
  inputDegrees,
  inverseAffineAutoregressive,
  inverseSplineAutoregressive,
  made,
  resolveOrdering,
  splineAutoregressive,
} from '../src/layers.js';
import { perturbed } from './helpers.js';

// The autoregressive property, checked on Jacobians assembled from `dim` reverse-mode passes
// (core's `jacobianRows`): with degrees from the ordering, ∂yᵢ/∂xⱼ must be EXACTLY 0 whenever
// degree(j) > degree(i) (for a MADE output, whenever degree(j) ≥ degree(i)). Exact, not
// approximate: masked weights are multiplied by 0 before the matMul, so no path carries anything.
// Every allowed entry must be non-zero in some row, so the masks do not cut allowed paths either
// (20 hidden units give 5 units per degree, and 16 rows keep some ReLU path alive for each pair).

const dim = 5;
const contextDim = 3;
const batch = 16;
const orderings: readonly Ordering[] = ['natural', 'reversed', { random: 11 }, [3, 0, 4, 1, 2]];

const inputs = (seed: number) => ({
  x: tf.randomNormal([batch, dim], 0, 1, 'float32', tfSeed(seed)) as Batch,
  context: tf.randomNormal([batch, contextDim], 0, 1, 'float32', seed + 1) as Batch,
});

/** Assert the structure; `strict` demands zero on the diagonal too (MADE outputs). */
const expectTriangular = (J: number[][][], degrees: readonly number[], strict: boolean) => {
  for (let i = 0; i < dim; i++)
    for (let j = 0; j < dim; j++) {
      const forbidden = strict ? degrees[j]! >= degrees[i]! : degrees[j]! > degrees[i]!;
      const column = J.map((rows) => rows[i]![j]!);
      if (forbidden)
        expect(
          column.every((v) => v === 0),
          `∂y${i}/∂x${j} must be exactly 0`,
        ).toBe(true);
      else
        expect(
          column.some((v) => v !== 0),
          `∂y${i}/∂x${j} must not be identically 0`,
        ).toBe(true);
    }
};

describe('MADE is autoregressive', () => {
  for (const ordering of orderings)
    for (const withContext of [false, true])
      for (const residual of [false, true])
        it(`ordering ${JSON.stringify(ordering)}, context ${withContext}, residual ${residual}`, () => {
          const net = made({
            dim,
            contextDim: withContext ? contextDim : 0,
            hidden: [20, 20, 20],
            paramsPerDim: 3,
            ordering,
            residual,
          });
          expect(net.degrees).toEqual(inputDegrees(resolveOrdering(dim, ordering)));
          const params = perturbed(net.init(1), 2);
          const { x, context } = inputs(3);
          const f = net.apply(params);
          for (let p = 0; p < 3; p++) {
            const J = jacobianRows(
              (xx) =>
                tf.reshape(
                  tf.slice(f(xx, withContext ? context : undefined), [0, 0, p], [-1, -1, 1]),
                  [batch, dim],
                ) as Batch,
              x,
            );
            expectTriangular(J, net.degrees, true);
          }
          if (withContext) {
            const d = tf.tidy(
              () =>
                tf
                  .max(tf.abs(tf.sub(f(x, context), f(x, tf.add(context, 1) as Batch))))
                  .dataSync()[0]!,
            );
            expect(d).toBeGreaterThan(1e-6);
          }
          disposeParams(params);
          tf.dispose([x, context]);
        });

  it('without hidden layers (direct masked input → output, context into the output layer)', () => {
    const { x, context } = inputs(13);
    const net = made({ dim, contextDim, hidden: [], paramsPerDim: 2, ordering: 'reversed' });
    const params = perturbed(net.init(0), 1);
    const f = net.apply(params);
    const J = jacobianRows(
      (xx) => tf.reshape(tf.slice(f(xx, context), [0, 0, 1], [-1, -1, 1]), [batch, dim]) as Batch,
      x,
    );
    expectTriangular(J, net.degrees, true);
    disposeParams(params);
    tf.dispose([x, context]);
  });

  it('a one-dimensional MADE depends on nothing but the context', () => {
    const net = made({ dim: 1, contextDim: 2, hidden: [4], paramsPerDim: 2 });
    const params = perturbed(net.init(0), 1);
    const g = tf.tidy(() =>
      tf.grad((x: tf.Tensor) => tf.sum(net.apply(params)(x as Batch, tf.ones([3, 2]))))(
        tf.randomNormal([3, 1]),
      ),
    );
    expect(Array.from(g.dataSync())).toEqual([0, 0, 0]);
    g.dispose();
    disposeParams(params);
  });

  it('rejects an ordering that is not a permutation and unequal residual widths', () => {
    expect(() => made({ dim: 3, paramsPerDim: 2, ordering: [0, 0, 1] })).toThrow(/permutation/);
    expect(() => made({ dim: 3, paramsPerDim: 2, hidden: [8, 4], residual: true })).toThrow(
      /equal widths/,
    );
  });
});

describe('MADE initialisation', () => {
  const absMax = (t: tf.Tensor) => Math.max(...Array.from(t.dataSync(), Math.abs));

  it("'fanIn' draws every weight and bias from U(±1/√n), n the layer's inputs with the context", () => {
    const net = made({ dim: 3, contextDim: 2, paramsPerDim: 2, hidden: [48, 48], init: 'fanIn' });
    const p = net.init(3);
    const fanIns = [3 + 2, 48 + 2, 48]; // the context feeds the hidden layers only
    p.layers.forEach((layer, l) => {
      const bound = 1 / Math.sqrt(fanIns[l]!);
      // Bounded by the bound, and filling it (≥ 96 uniform draws reach past 80% of it w.p. > 1 - 1e-9).
      for (const t of [layer.w, layer.b]) {
        expect(absMax(t)).toBeLessThanOrEqual(bound);
        expect(absMax(t)).toBeGreaterThan(0.8 * bound);
      }
    });
    for (const [i, v] of p.context.entries())
      expect(absMax(v)).toBeLessThanOrEqual(1 / Math.sqrt(fanIns[i]!));
    disposeParams(p);
  });

  it("maf uses 'fanIn' (zuko's), iaf keeps 'glorot' (near the identity); the size is the same", () => {
    const leaves = (def: ReturnType<typeof maf>) => {
      const p = def.init(0);
      const all = flattenParams(p).map((leaf) => leaf.tensor);
      const out = { n: all.reduce((a, t) => a + t.size, 0), maxAbs: Math.max(...all.map(absMax)) };
      disposeParams(p);
      return out;
    };
    const zuko = leaves(maf({ dim: 2 }));
    const nearIdentity = leaves(iaf({ dim: 2 }));
    expect(zuko.n).toBe(23060);
    expect(nearIdentity.n).toBe(23060);
    // First-layer weights and biases of zuko's init reach 1/√2; Glorot's stay below √(6/66).
    expect(zuko.maxAbs).toBeGreaterThan(0.6);
    expect(nearIdentity.maxAbs).toBeLessThan(Math.sqrt(6 / 66) + 1e-6);
  });

  it('rejects an unknown initialisation', () => {
    expect(() => made({ dim: 2, paramsPerDim: 2, init: 'he' as 'glorot' })).toThrow(/options.init/);
  });
});

type Case = { name: string; build: (ordering: Ordering, c: number) => TransformDef };
const transforms: readonly Case[] = [
  {
    name: 'affineAutoregressive (MAF layer)',
    build: (ordering, c) =>
      affineAutoregressive({ dim, contextDim: c, hidden: [20, 20], ordering }),
  },
  {
    name: 'inverseAffineAutoregressive (IAF layer)',
    build: (ordering, c) =>
      inverseAffineAutoregressive({ dim, contextDim: c, hidden: [20, 20], ordering }),
  },
  {
    name: 'splineAutoregressive',
    build: (ordering, c) =>
      splineAutoregressive({ dim, contextDim: c, hidden: [20, 20], ordering, bins: 4, bound: 3 }),
  },
  {
    name: 'inverseSplineAutoregressive',
    build: (ordering, c) =>
      inverseSplineAutoregressive({
        dim,
        contextDim: c,
        hidden: [20, 20],
        ordering,
        bins: 4,
        bound: 3,
      }),
  },
  {
    name: 'affineAutoregressive residual',
    build: (ordering, c) =>
      affineAutoregressive({ dim, contextDim: c, hidden: [20, 20], ordering, residual: true }),
  },
];

const checkBoth = (
  b: Bijection,
  degrees: readonly number[],
  x: Batch,
  context: Batch | undefined,
) => {
  expectTriangular(
    jacobianRows((xx) => b.forward(xx, context).y, x),
    degrees,
    false,
  );
  expectTriangular(
    jacobianRows((yy) => b.inverse(yy, context).x, x),
    degrees,
    false,
  );
};

describe('every autoregressive transform has a triangular Jacobian in its ordering (both directions)', () => {
  for (const t of transforms)
    for (const ordering of orderings.slice(1, 3))
      for (const c of [0, contextDim])
        it(`${t.name}, ordering ${JSON.stringify(ordering)}, context ${c}`, () => {
          const def = t.build(ordering, c);
          // σ 0.3: the spline's sequential inverse stays well conditioned (see registry.ts).
          const params = perturbed(def.init(4), 5, 0.3);
          const { x, context } = inputs(6);
          checkBoth(
            def.apply(params),
            inputDegrees(resolveOrdering(dim, ordering)),
            x,
            c > 0 ? context : undefined,
          );
          disposeParams(params);
          tf.dispose([x, context]);
        });
});

describe('one-layer presets are triangular in ascending order (their first layer is natural)', () => {
  const presets = { maf, iaf, mafSpline } as const;
  for (const [name, preset] of Object.entries(presets))
    for (const c of [0, contextDim])
      it(`${name}, context ${c}`, () => {
        const def = flowAsTransform(
          preset({ dim, contextDim: c, transforms: 1, hidden: [20, 20], bins: 4, bound: 3 }),
        );
        const params = perturbed(def.init(splitSeed(7, c)), 8, 0.3);
        const { x, context } = inputs(9);
        checkBoth(def.apply(params), [1, 2, 3, 4, 5], x, c > 0 ? context : undefined);
        disposeParams(params);
        tf.dispose([x, context]);
      });
});
