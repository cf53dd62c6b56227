import { type Batch, tf } from '@bijective/core';
import { tfSeed } from '@bijective/core/params';
import type { InputSampler, Registry } from '@bijective/core/testing';
import { actNorm } from './actNorm.js';
import { additiveCoupling } from './additiveCoupling.js';
import { affineCoupling } from './affineCoupling.js';
import { diagonalScaling } from './diagonalScaling.js';
import { luLinear } from './luLinear.js';
import { alternatingMask, halfMask, randomMask } from './mask.js';
import { glow, nice, nsfCoupling, realNVP } from './presets.js';
import { splineCoupling } from './splineCoupling.js';
import { stack } from './stack.js';

/**
 * Row 0 uniform on (-2.5, 2.5), inside a `[-3, 3]` spline, so the context always matters; the other
 * rows N(0, 4²), many of them in the identity tails.
 */
const wide: InputSampler = (seed, batch, dim) =>
  tf.tidy(() =>
    tf.concat([
      tf.randomUniform([1, dim], -2.5, 2.5, 'float32', tfSeed(seed)),
      tf.randomNormal([batch - 1, dim], 0, 4, 'float32', tfSeed(seed + 1)),
    ]),
  ) as Batch;

const small = { hidden: [16] } as const;

/**
 * Every transform and preset of `@bijective/coupling`, one line each
 * (conditional variants included), sized small for the shared checker and
 * the cross-backend conformance suite.
 *
 * @example
 * ```ts
 * for (const c of registryCases(registry)) it(c.name, () => checkEntry(c.entry, c.shape));
 * ```
 */
export const registry: Registry = {
  additiveCoupling: {
    kind: 'transform',
    build: ({ dim, contextDim }) => additiveCoupling({ dim, contextDim, ...small }),
    dims: [2, 3, 5],
    conditional: true,
  },
  affineCoupling: {
    kind: 'transform',
    build: ({ dim, contextDim }) =>
      affineCoupling({ dim, contextDim, ...small, mask: alternatingMask(dim, 1) }),
    dims: [2, 3, 5],
    conditional: true,
  },
  affineCouplingRandomMask: {
    kind: 'transform',
    build: ({ dim, contextDim }) =>
      affineCoupling({ dim, contextDim, ...small, mask: randomMask(dim, 3) }),
    dims: [3, 5],
    conditional: true,
  },
  affineCouplingHalfMask: {
    kind: 'transform',
    build: ({ dim, contextDim }) =>
      affineCoupling({ dim, contextDim, hidden: [8, 8], mask: halfMask(dim, true) }),
    dims: [3],
    conditional: true,
  },
  splineCoupling: {
    kind: 'transform',
    build: ({ dim, contextDim }) =>
      splineCoupling({ dim, contextDim, ...small, bins: 6, bound: 3 }),
    dims: [2, 3, 5],
    conditional: true,
    // Inputs up to ±12 exercise the identity tails. Weights perturbed by 0.15 (not the default 0.3)
    // keep the raw spline parameters O(1-5): with the default, inputs this wide push them to O(10-30),
    // bins ~1e-3 wide meet knot slopes ~20 and dy/dx inside a bin drops to ~1e-6, where one float32
    // ulp of y is ~0.1 in x — ill-conditioned, not wrong (the error stays below |dx/dy|·ulp(y)).
    check: { input: wide, perturb: 0.15 },
  },
  diagonalScaling: {
    kind: 'transform',
    build: ({ dim }) => diagonalScaling(dim),
    dims: [1, 3],
    conditional: false,
  },
  actNorm: {
    kind: 'transform',
    build: ({ dim }) => actNorm(dim),
    dims: [1, 3, 5],
    conditional: false,
  },
  luLinear: {
    kind: 'transform',
    build: ({ dim }) => luLinear({ dim, seed: 5 }),
    dims: [1, 2, 3, 5],
    conditional: false,
  },
  luLinearNegativeSigns: {
    kind: 'transform',
    build: ({ dim }) =>
      luLinear({
        dim,
        seed: 1,
        signs: Array.from({ length: dim }, (_, i) => (i % 2 === 0 ? -1 : 1)),
      }),
    dims: [3],
    conditional: false,
  },
  glowStep: {
    kind: 'transform',
    build: ({ dim, contextDim }) =>
      stack(
        actNorm(dim),
        luLinear({ dim, seed: 2 }),
        affineCoupling({ dim, contextDim, ...small }),
      ),
    dims: [2, 5],
    conditional: true,
  },
  nice: {
    kind: 'flow',
    build: (s) => nice({ ...s, transforms: 3, ...small }),
    dims: [2, 3],
    conditional: true,
  },
  realNVP: {
    kind: 'flow',
    build: (s) => realNVP({ ...s, transforms: 3, ...small }),
    dims: [2, 3],
    conditional: true,
  },
  realNVPRandomMask: {
    kind: 'flow',
    build: (s) =>
      realNVP({ ...s, transforms: 2, ...small, mask: 'random', activation: 'softplus' }),
    dims: [4],
    conditional: true,
  },
  // One explicit mask per step, as @bijective/interop builds zuko's RealNVP(randmask=True).
  realNVPExplicitMasks: {
    kind: 'flow',
    build: (s) =>
      realNVP({
        ...s,
        transforms: 2,
        ...small,
        mask: [
          [true, false, true, false],
          [false, false, true, true],
        ],
      }),
    dims: [4],
    conditional: true,
  },
  glow: {
    kind: 'flow',
    build: (s) => glow({ ...s, transforms: 2, ...small }),
    dims: [2, 3],
    conditional: true,
  },
  nsfCoupling: {
    kind: 'flow',
    build: (s) => nsfCoupling({ ...s, transforms: 2, ...small, bins: 5, bound: 3 }),
    dims: [2, 3],
    conditional: true,
    // As for splineCoupling: a smaller perturbation keeps the splines well-conditioned in float32.
    check: { perturb: 0.15 },
  },
};
