import * as E from 'fp-ts/lib/Either.js';
import { sequenceS } from 'fp-ts/lib/Apply.js';
import { pipe } from 'fp-ts/lib/function.js';
import { type BijectiveError, type JsonObject } from '@bijective/core';
import { activationNames } from '@bijective/core/nn';
import {
  arrayOf,
  boolean,
  field,
  finite,
  integerAtLeast,
  object,
  oneOf,
  optional,
  orElse,
  positive,
} from '@bijective/core/presets';
import type { BatchNormStatistics } from './batchNorm.js';
import type { IafOptions, MafOptions, MafSplineOptions } from './presets.js';

const count = integerAtLeast(0);

const statistics = (value: unknown, path: string): E.Either<BijectiveError, BatchNormStatistics> =>
  pipe(
    object(value, path),
    E.chain((o) =>
      sequenceS(E.Apply)({
        mean: arrayOf(finite)(o['mean'], `${path}.mean`),
        variance: arrayOf(finite)(o['variance'], `${path}.variance`),
      }),
    ),
  );

/**
 * Read a JSON config (a saved flow's `config`, or options from a file) as
 * {@link IafOptions}: every field's type is checked, unknown fields are
 * ignored; ranges are checked by the preset itself.
 *
 * @example
 * ```ts
 * decodeIafOptions({ dim: 2, orderings: 'sideways' }); // Left: options.orderings: expected …
 * ```
 */
export const decodeIafOptions = (config: JsonObject): E.Either<BijectiveError, IafOptions> =>
  sequenceS(E.Apply)({
    dim: field(config, 'dim', count),
    contextDim: field(config, 'contextDim', optional(count)),
    transforms: field(config, 'transforms', optional(count)),
    hidden: field(config, 'hidden', optional(arrayOf(integerAtLeast(1)))),
    residual: field(config, 'residual', optional(boolean)),
    activation: field(config, 'activation', optional(oneOf(...activationNames))),
    orderings: field(
      config,
      'orderings',
      optional(orElse(oneOf('alternate', 'random'), arrayOf(arrayOf(count)))),
    ),
    orderSeed: field(config, 'orderSeed', optional(count)),
    lastLayerScale: field(config, 'lastLayerScale', optional(finite)),
    init: field(config, 'init', optional(oneOf('glorot', 'fanIn'))),
    contextEntry: field(config, 'contextEntry', optional(oneOf('hidden', 'input'))),
  });

/** {@link decodeIafOptions} plus batch normalisation and its stored statistics. */
export const decodeMafOptions = (config: JsonObject): E.Either<BijectiveError, MafOptions> =>
  pipe(
    decodeIafOptions(config),
    E.chain((shared) =>
      pipe(
        sequenceS(E.Apply)({
          batchNorm: field(config, 'batchNorm', optional(boolean)),
          batchNormStatistics: field(config, 'batchNormStatistics', optional(arrayOf(statistics))),
        }),
        E.map((bn) => ({ ...shared, ...bn })),
      ),
    ),
  );

/** {@link decodeMafOptions} plus the spline's `bins`, `bound` and `parametrization`. */
export const decodeMafSplineOptions = (
  config: JsonObject,
): E.Either<BijectiveError, MafSplineOptions> =>
  pipe(
    decodeMafOptions(config),
    E.chain((shared) =>
      pipe(
        sequenceS(E.Apply)({
          bins: field(config, 'bins', optional(count)),
          bound: field(config, 'bound', optional(positive)),
          parametrization: field(config, 'parametrization', optional(oneOf('floor', 'zuko'))),
        }),
        E.map((spline) => ({ ...shared, ...spline })),
      ),
    ),
  );
