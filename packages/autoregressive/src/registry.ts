import type { Registry, Shape } from '@bijective/core/testing';
import { affineAutoregressive, inverseAffineAutoregressive } from './affineAutoregressive.js';
import { batchNorm } from './batchNorm.js';
import { iaf, maf, mafSpline } from './presets.js';
import { inverseSplineAutoregressive, splineAutoregressive } from './splineAutoregressive.js';

// Small networks keep the shared checker fast; `hidden ≥ d - 1` keeps every degree present.
const hidden = [8, 8] as const;
const dims = [2, 3, 5] as const;
const net = ({ dim, contextDim }: Shape) => ({ dim, contextDim, hidden });
// Spline parameters come out of a MADE output layer fed by 8 hidden units, so weight noise σ
// becomes raw-parameter noise of several σ. At the default σ = 0.3 some draws produce bins with
// slope ~1e-5, where the exact inverse is ill-conditioned in float32 (|Δx| ≈ ulp(y) / slope ≈ 1e-2):
// a property of the map, not an error. σ = 0.1 still gives clearly non-identity splines.
const splineCheck = { perturb: 0.1 } as const;
// Evaluation-mode batch norm with fixed, made-up statistics (training mode couples rows and has no inverse).
const statistics = (dim: number) => ({
  mean: Array.from({ length: dim }, (_, i) => 0.3 * i - 0.5),
  variance: Array.from({ length: dim }, (_, i) => 0.5 + 0.4 * i),
});

/**
 * Every transform and preset of `@bijective/autoregressive`, one line each,
 * for core's shared checker (`registryCases` + `checkEntry`) and the
 * cross-backend conformance suite. Every entry is conditional, so each runs
 * with and without a context.
 *
 * @example
 * ```ts
 * for (const c of registryCases(registry)) it(c.name, () => checkEntry(c.entry, c.shape));
 * ```
 */
export const registry: Registry = {
  affineAutoregressive: {
    kind: 'transform',
    build: (s) => affineAutoregressive(net(s)),
    dims,
    conditional: true,
  },
  affineAutoregressiveReversed: {
    kind: 'transform',
    build: (s) => affineAutoregressive({ ...net(s), ordering: 'reversed' }),
    dims,
    conditional: true,
  },
  affineAutoregressiveRandomOrder: {
    kind: 'transform',
    build: (s) => affineAutoregressive({ ...net(s), ordering: { random: 3 } }),
    dims,
    conditional: true,
  },
  affineAutoregressiveResidual: {
    kind: 'transform',
    build: (s) => affineAutoregressive({ ...net(s), hidden: [8, 8, 8], residual: true }),
    dims,
    conditional: true,
  },
  inverseAffineAutoregressive: {
    kind: 'transform',
    build: (s) => inverseAffineAutoregressive({ ...net(s), ordering: { random: 5 } }),
    dims,
    conditional: true,
  },
  splineAutoregressive: {
    kind: 'transform',
    build: (s) => splineAutoregressive({ ...net(s), bins: 6, bound: 4 }),
    dims,
    conditional: true,
    check: splineCheck,
  },
  inverseSplineAutoregressive: {
    kind: 'transform',
    build: (s) =>
      inverseSplineAutoregressive({ ...net(s), bins: 6, bound: 4, ordering: 'reversed' }),
    dims,
    conditional: true,
    check: splineCheck,
  },
  batchNorm: {
    kind: 'transform',
    build: ({ dim }) => batchNorm({ dim, statistics: statistics(dim) }),
    dims,
    conditional: false,
  },
  maf: { kind: 'flow', build: (s) => maf({ ...net(s), transforms: 3 }), dims, conditional: true },
  mafBatchNorm: {
    kind: 'flow',
    build: (s) =>
      maf({
        ...net(s),
        transforms: 3,
        batchNorm: true,
        batchNormStatistics: [statistics(s.dim), statistics(s.dim)],
      }),
    dims,
    conditional: true,
  },
  iaf: { kind: 'flow', build: (s) => iaf({ ...net(s), transforms: 3 }), dims, conditional: true },
  mafSpline: {
    kind: 'flow',
    build: (s) => mafSpline({ ...net(s), transforms: 2, bins: 4, bound: 4 }),
    dims,
    conditional: true,
    check: splineCheck,
  },
  // zuko's layouts, as @bijective/interop builds them: context into the first layer only,
  // random per-layer orderings, and zuko's spline parametrization.
  mafZuko: {
    kind: 'flow',
    build: (s) =>
      maf({ ...net(s), transforms: 2, contextEntry: 'input', orderings: 'random', orderSeed: 4 }),
    dims,
    conditional: true,
  },
  mafSplineZuko: {
    kind: 'flow',
    build: (s) =>
      mafSpline({
        ...net(s),
        transforms: 2,
        bins: 4,
        bound: 4,
        contextEntry: 'input',
        parametrization: 'zuko',
      }),
    dims,
    conditional: true,
    check: splineCheck,
  },
};
