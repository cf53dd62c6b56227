import * as E from 'fp-ts/lib/Either.js';
import { sequenceS } from 'fp-ts/lib/Apply.js';
import { pipe } from 'fp-ts/lib/function.js';
import type { BijectiveError, JsonObject } from '@bijective/core';
import { activationNames } from '@bijective/core/nn';
import {
  arrayOf,
  boolean,
  field,
  integerAtLeast,
  oneOf,
  optional,
  orElse,
  positive,
} from '@bijective/core/presets';
import type { CouplingFlowOptions, NsfCouplingOptions } from './presets.js';

const count = integerAtLeast(0);
const widths = arrayOf(integerAtLeast(1));

/**
 * Read a JSON config (a saved flow's `config`, or options from a file) as
 * {@link CouplingFlowOptions}: every field's type is checked, unknown fields
 * are ignored; ranges are checked by the preset itself.
 *
 * @example
 * ```ts
 * decodeCouplingFlowOptions({ dim: 2, hidden: [64, 'x'] }); // Left: options.hidden[1]: expected an integer ≥ 1
 * ```
 */
export const decodeCouplingFlowOptions = (
  config: JsonObject,
): E.Either<BijectiveError, CouplingFlowOptions> =>
  sequenceS(E.Apply)({
    dim: field(config, 'dim', count),
    contextDim: field(config, 'contextDim', optional(count)),
    transforms: field(config, 'transforms', optional(count)),
    steps: field(config, 'steps', optional(count)),
    hidden: field(config, 'hidden', optional(widths)),
    activation: field(config, 'activation', optional(oneOf(...activationNames))),
    mask: field(
      config,
      'mask',
      optional(orElse(oneOf('alternating', 'random'), arrayOf(arrayOf(boolean)))),
    ),
    structureSeed: field(config, 'structureSeed', optional(count)),
  });

/** {@link decodeCouplingFlowOptions} plus the spline's `bins` and `bound`. */
export const decodeNsfCouplingOptions = (
  config: JsonObject,
): E.Either<BijectiveError, NsfCouplingOptions> =>
  pipe(
    decodeCouplingFlowOptions(config),
    E.chain((shared) =>
      pipe(
        sequenceS(E.Apply)({
          bins: field(config, 'bins', optional(count)),
          bound: field(config, 'bound', optional(positive)),
        }),
        E.map((spline) => ({ ...shared, ...spline })),
      ),
    ),
  );
