import * as E from 'fp-ts/lib/Either.js';
import type { JsonObject } from '../flow.js';
import type { Presets } from '../presets/preset.js';

/**
 * Configs that every preset of every family must refuse: no `dim`, a `dim`
 * that is not a positive integer, malformed `hidden` widths and a fractional
 * `contextDim`. A family adds the configs
 * its own options can get wrong (see {@link presetTableProblems}).
 */
export const COMMON_REFUSED_CONFIGS: readonly JsonObject[] = [
  {},
  { dim: 'two' },
  { dim: -1 },
  { dim: 2, hidden: [8, 'x'] },
  { dim: 2, hidden: 8 },
  { dim: 2, contextDim: 0.5 },
];

/** What {@link presetTableProblems} checks besides the refused configs. */
export interface PresetTableOptions {
  /** Configs the family's own options must refuse (added to {@link COMMON_REFUSED_CONFIGS}). */
  readonly refused?: readonly JsonObject[];
  /** A config every preset must accept (default `{ dim: 2, hidden: [4] }`). */
  readonly valid?: JsonObject;
}

const describeConfig = (config: JsonObject): string => JSON.stringify(config);

/**
 * The ways a family's {@link Presets} table fails to be total on JSON configs
 * (an empty list when it holds). For every preset:
 *
 * - each refused config is a `Left(ValueError)` whose `argument` names an
 *   option (`options.<field>`): never a `Right`, another error kind, or a throw;
 * - the valid config builds, and the config the built definition saves
 *   (`def.config`, through `JSON.stringify`/`JSON.parse`) rebuilds a
 *   definition with the same config, so a saved model can always be restored.
 *
 * Framework-free, so every family's test (and a new family's) is one line.
 *
 * @example
 * ```ts
 * expect(presetTableProblems(presets, { refused: [{ dim: 2, mask: 'diagonal' }] })).toEqual([]);
 * ```
 */
export const presetTableProblems = (
  presets: Presets,
  options: PresetTableOptions = {},
): string[] => {
  const refused = [...COMMON_REFUSED_CONFIGS, ...(options.refused ?? [])];
  const valid = options.valid ?? { dim: 2, hidden: [4] };
  const problems: string[] = [];
  const attempt = (name: string, config: JsonObject) => {
    try {
      return presets[name]!(config);
    } catch (e) {
      problems.push(`${name}(${describeConfig(config)}) threw: ${String(e)}`);
      return undefined;
    }
  };
  for (const name of Object.keys(presets)) {
    for (const config of refused) {
      const r = attempt(name, config);
      if (r === undefined) continue;
      if (E.isRight(r)) problems.push(`${name}(${describeConfig(config)}) was accepted`);
      else if (r.left.kind !== 'ValueError' || !r.left.argument?.startsWith('options.'))
        problems.push(
          `${name}(${describeConfig(config)}) gave ${r.left.kind} (argument ${String(r.left.argument)}), not a ValueError naming an option`,
        );
    }
    const built = attempt(name, valid);
    if (built === undefined) continue;
    if (E.isLeft(built)) {
      problems.push(`${name}(${describeConfig(valid)}) was refused: ${built.left.message}`);
      continue;
    }
    const again = attempt(name, JSON.parse(JSON.stringify(built.right.config)));
    if (again === undefined) continue;
    if (E.isLeft(again))
      problems.push(`${name}: its saved config was refused: ${again.left.message}`);
    else if (JSON.stringify(again.right.config) !== JSON.stringify(built.right.config))
      problems.push(`${name}: its saved config rebuilt a different config`);
  }
  return problems;
};
