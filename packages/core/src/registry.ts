import * as E from 'fp-ts/lib/Either.js';
import { tfSeed } from './random.js';
import { tf } from './tf.js';
import { compose, invert } from './algebra.js';
import type { Batch } from './bijection.js';
import { affine, affineTransform } from './bijections/affine.js';
import { exp } from './bijections/exp.js';
import { reversePermutation, randomPermutation } from './bijections/permutation.js';
import { logit, sigmoid } from './bijections/sigmoid.js';
import { softplus } from './bijections/softplus.js';
import { diagNormal } from './distributions/diagNormal.js';
import { mixtureOfGaussians } from './distributions/mixtureOfGaussians.js';
import { type FlowDef, flow } from './flow.js';
import type { Params } from './params.js';
import { splineTransform } from './spline/splineTransform.js';
import { standardized } from './standardized.js';
import { chain, fixed } from './transform.js';
import type { InputSampler } from './testing/checkBijection.js';
import type { Registry } from './testing/registry.js';

const positive: InputSampler = (seed, batch, dim) =>
  tf.randomUniform([batch, dim], 0.05, 4, 'float32', tfSeed(seed)) as Batch;
const unitInterval: InputSampler = (seed, batch, dim) =>
  tf.randomUniform([batch, dim], 0.02, 0.98, 'float32', tfSeed(seed)) as Batch;
const wide: InputSampler = (seed, batch, dim) =>
  tf.randomNormal([batch, dim], 0, 4, 'float32', tfSeed(seed)) as Batch;

const fixedAffine = (dim: number) =>
  fixed(
    E.getOrElseW((e: Error) => {
      throw e;
    })(
      affine({
        shift: Array.from({ length: dim }, (_, i) => i - 1),
        scale: Array.from({ length: dim }, (_, i) => 0.5 + i),
      }),
    ),
  );

/** A spline-mixture flow behind the fixed standardization map (means and scales far from 0 and 1). */
const standardizedFlow = (dim: number): FlowDef<Params> =>
  E.getOrElseW((e: Error) => {
    throw e;
  })(
    standardized(
      flow({
        name: 'splineMixture',
        dim,
        transform: splineTransform(dim),
        base: mixtureOfGaussians(dim, 3),
      }),
      {
        mean: Array.from({ length: dim }, (_, i) => 3 - 2 * i),
        std: Array.from({ length: dim }, (_, i) => 0.4 + 1.5 * i),
      },
    ),
  );

/**
 * The core's own transforms and flows, one line each, for the shared checker
 * and the cross-backend conformance suite.
 */
export const registry: Registry = {
  affineTransform: {
    kind: 'transform',
    build: ({ dim }) => affineTransform(dim),
    dims: [1, 3],
    conditional: false,
  },
  affine: {
    kind: 'transform',
    build: ({ dim }) => fixedAffine(dim),
    dims: [1, 3],
    conditional: false,
  },
  exp: { kind: 'transform', build: () => fixed(exp()), dims: [1, 3], conditional: false },
  log: {
    kind: 'transform',
    build: () => fixed(invert(exp())),
    dims: [2],
    conditional: false,
    check: { input: positive },
  },
  sigmoid: { kind: 'transform', build: () => fixed(sigmoid()), dims: [1, 3], conditional: false },
  logit: {
    kind: 'transform',
    build: () => fixed(logit()),
    dims: [2],
    conditional: false,
    // dlogit/dx = 1/(x(1-x)) reaches ~50 near the ends: the float32 Jacobian has ~1e-5 relative error there.
    check: { input: unitInterval },
  },
  softplus: { kind: 'transform', build: () => fixed(softplus()), dims: [1, 3], conditional: false },
  softplusInverse: {
    kind: 'transform',
    build: () => fixed(invert(softplus())),
    dims: [2],
    conditional: false,
    check: { input: positive },
  },
  reversePermutation: {
    kind: 'transform',
    build: ({ dim }) => fixed(reversePermutation(dim)),
    dims: [1, 4],
    conditional: false,
  },
  randomPermutation: {
    kind: 'transform',
    build: ({ dim }) => fixed(randomPermutation(dim, 7)),
    dims: [3, 6],
    conditional: false,
  },
  splineTransform: {
    kind: 'transform',
    build: ({ dim }) => splineTransform(dim, { bins: 6, bound: 3 }),
    dims: [1, 3],
    conditional: false,
    check: { input: wide, perturb: 1 },
  },
  elementwiseChain: {
    kind: 'transform',
    build: ({ dim }) =>
      chain(
        affineTransform(dim),
        fixed(compose(reversePermutation(dim), sigmoid())),
        splineTransform(dim, { bound: 1 }),
      ),
    dims: [2, 4],
    conditional: false,
  },
  diagonalGaussianFlow: {
    kind: 'flow',
    build: ({ dim }) =>
      flow({
        name: 'diagonalGaussian',
        dim,
        transform: affineTransform(dim),
        base: diagNormal(dim),
      }),
    dims: [2],
    conditional: false,
  },
  splineMixtureFlow: {
    kind: 'flow',
    build: ({ dim }) =>
      flow({
        name: 'splineMixture',
        dim,
        transform: splineTransform(dim),
        base: mixtureOfGaussians(dim, 3),
      }),
    dims: [2],
    conditional: false,
  },
  // The bijection of a standardized flow (fixed map, then the inner flow's transform). Listed as a
  // transform, not a flow: the registry's flow entries are the benchmark's catalogue of core flows.
  standardized: {
    kind: 'transform',
    build: ({ dim }) => {
      const def = standardizedFlow(dim);
      return { init: def.init, apply: (p) => def.apply(p).bijection };
    },
    dims: [1, 3],
    conditional: false,
  },
};
