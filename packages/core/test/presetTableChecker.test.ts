import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { valueError } from '../src/errors.js';
import type { FlowDef, JsonObject } from '../src/flow.js';
import { gaussianFlow } from './fixtures.js';
import type { Params } from '../src/params.js';
import type { PresetBuilder, Presets } from '../src/presets/preset.js';
import { presetTableProblems } from '../src/testing/checkPresetTable.js';

// A correct preset to plant bugs into: refuses a config without a positive integer `dim`
// (and anything but a few known fields), builds otherwise.
const good: PresetBuilder = (config: JsonObject) => {
  const dim = config['dim'];
  if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < 1)
    return E.left(valueError('options.dim', 'a positive integer', JSON.stringify(dim)));
  const extra = Object.keys(config).find((k) => k !== 'dim' && k !== 'hidden');
  if (
    extra !== undefined ||
    !Array.isArray(config['hidden']) ||
    config['hidden'].some((h) => typeof h !== 'number')
  )
    return E.left(valueError(`options.${extra ?? 'hidden'}`, 'known options', 'other'));
  return fixedDef(dim);
};
const fixedDef = (dim: number): E.Either<never, FlowDef<Params>> =>
  E.right({ ...gaussianFlow, config: { dim, hidden: [4] } });

const table = (bug: PresetBuilder): Presets => ({ good, bug });

describe('presetTableProblems catches a preset table that is not total', () => {
  it('a correct table has no problems', () => {
    expect(presetTableProblems({ good })).toEqual([]);
  });

  it('a preset that throws instead of returning a Left', () => {
    const bug: PresetBuilder = (c) => {
      if (c['dim'] === undefined) throw new Error('boom');
      return good(c);
    };
    expect(presetTableProblems(table(bug))).toEqual(['bug({}) threw: Error: boom']);
  });

  it('a preset that accepts a refused config', () => {
    const bug: PresetBuilder = (c) => (c['dim'] === -1 ? fixedDef(2) : good(c));
    expect(presetTableProblems(table(bug))).toEqual(['bug({"dim":-1}) was accepted']);
  });

  it("a Left that does not name an option, and a family's own refused config", () => {
    const bug: PresetBuilder = (c) =>
      c['dim'] === 'two' ? E.left(valueError('dim', 'a number', 'two')) : good(c);
    expect(presetTableProblems(table(bug))).toHaveLength(1);
    expect(
      presetTableProblems({ good }, { refused: [{ dim: 2, hidden: [4], mask: 'x' }] }),
    ).toEqual([]);
    expect(presetTableProblems({ good }, { refused: [{ dim: 2, hidden: [4] }] })).toEqual([
      'good({"dim":2,"hidden":[4]}) was accepted',
    ]);
  });

  it('a saved config that does not rebuild the same definition', () => {
    // Saves a dim one larger than it was given: each rebuild grows.
    const bug: PresetBuilder = (c) =>
      E.map((d: FlowDef<Params>) => ({ ...d, config: { ...c, dim: Number(c['dim']) + 1 } }))(
        good(c),
      );
    expect(presetTableProblems(table(bug))).toEqual([
      'bug: its saved config rebuilt a different config',
    ]);
  });
});
