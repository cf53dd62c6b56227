import * as E from 'fp-ts/lib/Either.js';
import { sequenceS } from 'fp-ts/lib/Apply.js';
import { pipe } from 'fp-ts/lib/function.js';
import type { BijectiveError, JsonObject } from '@bijective/core';
import {
  type Decoder,
  arrayOf,
  field,
  integerAtLeast,
  object,
  oneOf,
  optional,
  positive,
} from '@bijective/core/presets';
import type { ActivationName } from './activations.js';
import type { ContinuousPresetOptions } from './presets.js';
import type { SolverConfig } from './solvers/fromConfig.js';

const activationName: Decoder<ActivationName> = oneOf(
  'tanh',
  'softplus',
  'sigmoid',
  'swish',
  'elu',
);

/**
 * A {@link SolverConfig}: a fixed-step method with its `steps`, or Dopri5 with optional tolerances.
 *
 * @example
 * ```ts
 * decodeSolverConfig({ kind: 'dopri5', rtol: 0 }, 'options.trainingSolver'); // Left: options.trainingSolver.rtol: expected a number > 0
 * ```
 */
export const decodeSolverConfig: Decoder<SolverConfig> = (value, path) =>
  pipe(
    object(value, path),
    E.chain((o): E.Either<BijectiveError, SolverConfig> => {
      const kind = oneOf('euler', 'midpoint', 'rk4', 'dopri5')(o['kind'], `${path}.kind`);
      if (E.isLeft(kind)) return kind;
      const k = kind.right;
      return k === 'dopri5'
        ? sequenceS(E.Apply)({
            kind: E.right(k),
            rtol: optional(positive)(o['rtol'], `${path}.rtol`),
            atol: optional(positive)(o['atol'], `${path}.atol`),
            maxSteps: optional(integerAtLeast(1))(o['maxSteps'], `${path}.maxSteps`),
            firstStep: optional(positive)(o['firstStep'], `${path}.firstStep`),
          })
        : sequenceS(E.Apply)({
            kind: E.right(k),
            steps: integerAtLeast(1)(o['steps'], `${path}.steps`),
          });
    }),
  );

/**
 * Read a JSON config (a saved flow's `config`, or options from a file) as
 * {@link ContinuousPresetOptions}: every field's type is checked (the solver's
 * too), unknown fields are ignored.
 *
 * @example
 * ```ts
 * decodeContinuousPresetOptions({ dim: 2, solver: { kind: 'rk4' } }); // Left: options.solver.steps: expected an integer ≥ 1
 * ```
 */
export const decodeContinuousPresetOptions = (
  config: JsonObject,
): E.Either<BijectiveError, ContinuousPresetOptions> =>
  sequenceS(E.Apply)({
    dim: field(config, 'dim', integerAtLeast(1)),
    hidden: field(config, 'hidden', optional(arrayOf(integerAtLeast(1)))),
    contextDim: field(config, 'contextDim', optional(integerAtLeast(0))),
    layer: field(config, 'layer', optional(oneOf('concatSquash', 'concat', 'timeEmbedding'))),
    frequencies: field(config, 'frequencies', optional(integerAtLeast(1))),
    activation: field(config, 'activation', optional(activationName)),
    T: field(config, 'T', optional(positive)),
    solver: field(config, 'solver', optional(decodeSolverConfig)),
    trace: field(config, 'trace', optional(oneOf('exact', 'hutchinson'))),
    probe: field(config, 'probe', optional(oneOf('rademacher', 'gaussian'))),
    gradient: field(config, 'gradient', optional(oneOf('backprop', 'adjoint'))),
    probeSeed: field(config, 'probeSeed', optional(integerAtLeast(0))),
  });
