import * as E from 'fp-ts/lib/Either.js';
import { type BijectiveError, valueError } from '../errors.js';

/**
 * The options every training loop shares (`fit`, `fitReverseKL`, `fitFfjord`,
 * `fitFlowMatching`, `distill`), as they arrive from a caller: each may be
 * absent. {@link validateTrainingOptions} checks them all the same way.
 */
export interface TrainingOptionsInput {
  readonly learningRate?: number;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
  readonly clipGradNorm?: number;
  readonly seed?: number;
  readonly batchSize?: number;
  readonly epochs?: number;
  readonly steps?: number;
  readonly maxSteps?: number;
  readonly patience?: number;
  readonly signal?: AbortSignal;
}

type Check = (v: number) => boolean;

const positiveFinite: Check = (v) => Number.isFinite(v) && v > 0;
const unitInterval: Check = (v) => Number.isFinite(v) && v >= 0 && v < 1;
const positiveInt: Check = (v) => Number.isSafeInteger(v) && v > 0;
const nonNegativeInt: Check = (v) => Number.isSafeInteger(v) && v >= 0;
const integer: Check = (v) => Number.isSafeInteger(v);

/** Each shared option, what it must be, and the check. */
const rules: readonly (readonly [keyof TrainingOptionsInput, string, Check])[] = [
  ['learningRate', 'a positive finite number', positiveFinite],
  ['beta1', 'a number in [0, 1)', unitInterval],
  ['beta2', 'a number in [0, 1)', unitInterval],
  ['epsilon', 'a positive finite number', positiveFinite],
  ['clipGradNorm', 'a positive finite number', positiveFinite],
  ['seed', 'an integer', integer],
  ['batchSize', 'a positive integer', positiveInt],
  ['epochs', 'a non-negative integer', nonNegativeInt],
  ['steps', 'a positive integer', positiveInt],
  ['maxSteps', 'a non-negative integer', nonNegativeInt],
  ['patience', 'a non-negative integer', nonNegativeInt],
];

/**
 * Check the shared training options: positive finite `learningRate`,
 * `epsilon` and `clipGradNorm` (a negative clip would turn descent into
 * ascent, a zero `epsilon` divides by zero); Adam's `beta1`, `beta2` in
 * `[0, 1)` (Kingma & Ba 2015 require `β < 1`); integer `seed`; positive
 * integer `batchSize` and `steps`; non-negative integer `epochs`, `maxSteps`
 * and `patience`; an `AbortSignal` for `signal`. Absent options pass (their
 * defaults are valid). Returns the first violation as a `ValueError` naming
 * `options.<name>`.
 *
 * @example
 * ```ts
 * validateTrainingOptions({ clipGradNorm: -1 });
 * // Left(ValueError: options.clipGradNorm: expected a positive finite number, got -1)
 * ```
 */
export const validateTrainingOptions = (
  options: TrainingOptionsInput,
): E.Either<BijectiveError, TrainingOptionsInput> => {
  for (const [name, expected, ok] of rules) {
    const value: unknown = options[name];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !ok(value))
      return E.left(valueError(`options.${name}`, expected, String(value)));
  }
  const signal: unknown = options.signal;
  if (
    signal !== undefined &&
    !(typeof AbortSignal !== 'undefined' && signal instanceof AbortSignal)
  )
    return E.left(valueError('options.signal', 'an AbortSignal', String(signal)));
  return E.right(options);
};
