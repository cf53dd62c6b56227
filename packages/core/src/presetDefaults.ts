import { valueError } from './errors.js';

/** The data dimension from which {@link defaultHidden} widens the networks. */
export const WIDE_FROM_DIM = 32;

/**
 * The hidden widths a preset uses when `hidden` is not given, from the data
 * dimension: `[64, 64]` below dimension 32 (the reference protocol's size for
 * 2-D data, zuko's default) and `[128, 128]` from 32 on — the rule the
 * benchmark (apps/bench, RESULTS.md) has always applied, so the published
 * figures are those of the default presets. Every preset records the
 * resolved widths in its `config`, so a saved flow rebuilds with the widths it
 * was trained with whatever this rule becomes.
 *
 * @example
 * ```ts
 * defaultHidden(2);  // [64, 64]
 * defaultHidden(30); // [64, 64]
 * defaultHidden(64); // [128, 128]
 * ```
 */
export const defaultHidden = (dim: number): number[] =>
  dim >= WIDE_FROM_DIM ? [128, 128] : [64, 64];

/**
 * The number of layers of a preset from its options: `transforms`, or the
 * deprecated alias `steps` (the coupling presets' former name), or the
 * preset's default. Throws a `ValueError` when both are given and differ.
 *
 * @example
 * ```ts
 * presetTransforms({ transforms: 3 }, 5); // 3
 * presetTransforms({ steps: 4 }, 5);      // 4 (deprecated spelling)
 * presetTransforms({ transforms: 3, steps: 4 }, 5); // throws ValueError
 * ```
 */
export const presetTransforms = (
  options: { readonly transforms?: number | undefined; readonly steps?: number | undefined },
  fallback: number,
): number => {
  const { transforms, steps } = options;
  if (transforms !== undefined && steps !== undefined && transforms !== steps)
    throw valueError(
      'options.steps',
      `absent or equal to options.transforms (${String(transforms)}); 'steps' is a deprecated alias of 'transforms'`,
      String(steps),
    );
  return transforms ?? steps ?? fallback;
};
