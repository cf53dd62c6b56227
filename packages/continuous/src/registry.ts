import type { Params, TransformDef } from '@bijective/core';
import type { Registry, RegistryEntry, Shape } from '@bijective/core/testing';
import type { DynamicsDef } from './dynamics/vectorField.js';
import { concatMlp } from './dynamics/concatMlp.js';
import { concatSquashMlp } from './dynamics/concatSquashMlp.js';
import { timeEmbeddingMlp } from './dynamics/timeEmbeddingMlp.js';
import { type FfjordTransformOptions, ffjordTransform } from './ffjord.js';
import { ffjord, flowMatching } from './presets.js';
import { dopri5 } from './solvers/dopri5.js';
import { rk4 } from './solvers/rk4.js';

/*
 * Check options, and why they hold.
 *
 * The checker compares the returned log-det with log|det J| of a Jacobian
 * obtained by backpropagating through the *discretised* map, and checks
 * inverse(forward(x)) ≈ x, where the inverse is a separate solve backwards
 * in time. So every entry uses the exact trace (Hutchinson's estimate is
 * stochastic), and a solver whose discretisation error sits well under the
 * checker's float32 tolerances (round trip atol 1e-4 + rtol 1e-3, log-det
 * `DEFAULT_LOG_DET_TOLERANCE`, atol 3e-4 + rtol 3e-5):
 *  - RK4 with 8 steps of h = 1/8 over T = 1: global error ~ (hL)⁴/… — with
 *    small networks and the checker's parameter noise (σ = 0.3) the Lipschitz
 *    constant L stays ~1, giving errors around 1e-5 in both the round trip
 *    and the trace integral (the fixed-step map and its integrated trace
 *    agree to O(h⁴));
 *  - Dopri5 at rtol = atol = 1e-6 (tight, but still above float32 noise,
 *    see Dopri5Options), where forward and inverse take different step
 *    sequences and each is accurate to ~1e-6 relative.
 * Networks are tiny ([8] hidden) so that the checker's dim + 2 passes,
 * second-order parameter gradients included, stay fast.
 */
const net = ({ dim, contextDim }: Shape) => ({ dim, contextDim, hidden: [8] });

/** An exact-trace FFJORD transform, RK4 with 8 steps unless overridden. */
const exact = <P extends Params>(
  dynamics: DynamicsDef<P>,
  extra: Partial<FfjordTransformOptions<P>> = {},
): TransformDef<Params> =>
  ffjordTransform({ dynamics, solver: rk4({ steps: 8 }), trace: 'exact', ...extra });

const transform = (
  build: (shape: Shape) => TransformDef<Params>,
  dims: readonly number[],
  conditional: boolean,
): RegistryEntry => ({ kind: 'transform', build, dims, conditional, check: { numRuns: 2 } });

/**
 * This package's transforms and presets, one line each, for the shared
 * checker (`checkEntry`) and the cross-backend conformance suite. All
 * entries pass the checker's default tolerances; their worst measured
 * log-det error is 1.6e-5, well under the default atol of 3e-4.
 *
 * @example
 * ```ts
 * for (const c of registryCases(registry)) it(c.name, () => checkEntry(c.entry, c.shape));
 * ```
 */
export const registry: Registry = {
  ffjordConcatSquash: transform((s) => exact(concatSquashMlp(net(s))), [1, 2], true),
  ffjordConcatSoftplus: transform(
    (s) => exact(concatMlp({ ...net(s), activation: 'softplus' })),
    [3],
    false,
  ),
  // Gradients (the checker's Jacobian rows and parameter gradients) come from the adjoint solve.
  ffjordAdjoint: transform(
    (s) => exact(concatSquashMlp({ ...net(s), activation: 'swish' }), { gradient: 'adjoint' }),
    [2],
    true,
  ),
  ffjordTimeEmbeddingElu: transform(
    (s) => exact(timeEmbeddingMlp({ ...net(s), activation: 'elu' })),
    [2],
    true,
  ),
  ffjordDopri5: transform(
    (s) => exact(concatSquashMlp(net(s)), { solver: dopri5({ rtol: 1e-6, atol: 1e-6 }) }),
    [2],
    false,
  ),
  ffjord: {
    kind: 'flow',
    build: (s) => ffjord({ ...net(s), trace: 'exact', solver: { kind: 'rk4', steps: 8 } }),
    dims: [2],
    conditional: true,
    check: { numRuns: 2 },
  },
  flowMatching: {
    kind: 'flow',
    build: (s) => flowMatching({ ...net(s), solver: { kind: 'rk4', steps: 8 } }),
    dims: [2],
    conditional: true,
    check: { numRuns: 2 },
  },
};
