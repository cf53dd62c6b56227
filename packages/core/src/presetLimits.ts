import { type BijectiveError, valueError } from './errors.js';
import { defaultLoadLimits } from './serialization/limits.js';

/**
 * Bounds that presets check on their options before building anything, so
 * that a config from an untrusted saved file cannot make a builder loop for
 * hours (`steps: 1e9`), overflow the stack (`steps: 1e5`) or allocate without
 * bound (`hidden: [1e5, 1e5]`). `maxParams` equals the default load limit,
 * so any preset that can be built can also be saved and loaded.
 *
 * @example
 * ```ts
 * presetLimits.maxSteps; // 1024
 * ```
 */
export const presetLimits = {
  /** Steps (layers) of a preset. */
  maxSteps: 1024,
  /** Hidden layers of one network. */
  maxHiddenLayers: 64,
  /** Scalar parameters of a whole preset, estimated from its options. */
  maxParams: defaultLoadLimits.maxParams,
} as const;

/**
 * Parameters of a dense MLP with layer widths `[in, ...hidden, out]`:
 * `Σᵢ (wᵢ + 1)·wᵢ₊₁` (weights and biases). Computed in doubles, so a
 * hostile width gives a huge number, never an allocation.
 *
 * @example
 * ```ts
 * mlpParamCount([2, 64, 64, 4]); // 4,612
 * ```
 */
export const mlpParamCount = (widths: readonly number[]): number =>
  widths.slice(1).reduce((n, w, i) => n + (widths[i]! + 1) * w, 0);

/**
 * A `ValueError` if a preset's size exceeds {@link presetLimits}: more than
 * `maxSteps` steps, more than `maxHiddenLayers` hidden layers, or an
 * estimated parameter count (an upper estimate, from the options alone)
 * above `maxParams`; `undefined` otherwise. Call it after checking that the
 * options are integers, before building.
 *
 * @example
 * ```ts
 * const e = presetSizeProblem({ stepsArgument: 'options.steps', steps: 1e9, hidden: [64], params: 0 });
 * if (e !== undefined) throw e; // ValueError: options.steps: expected an integer in [1, 1024], got 1000000000
 * ```
 */
export const presetSizeProblem = (size: {
  readonly stepsArgument: string;
  readonly steps: number;
  readonly hidden: readonly number[];
  readonly params: number;
}): BijectiveError | undefined => {
  const { maxSteps, maxHiddenLayers, maxParams } = presetLimits;
  if (size.steps > maxSteps)
    return valueError(size.stepsArgument, `an integer in [1, ${maxSteps}]`, String(size.steps));
  if (size.hidden.length > maxHiddenLayers)
    return valueError(
      'options.hidden',
      `at most ${maxHiddenLayers} hidden layers`,
      `${size.hidden.length}`,
    );
  if (!(size.params <= maxParams))
    return valueError(
      'options',
      `a flow of at most ${maxParams} parameters`,
      `about ${size.params.toExponential(2)} from these sizes`,
    );
  return undefined;
};
