import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import {
  type ContinuousFlowDef,
  ffjord,
  flowMatching,
  flowMatchingLoss,
} from '@bijective/continuous';
import { type FlowDef, type Params, valueError } from '@bijective/core';
import { presetDefaults } from '../src/args.js';
import type { Splits } from '../src/data.js';
import type { ContinuousTraining, FlowEntry } from '../src/flows.js';
import { trainProtocol } from '../src/quality.js';

// "The defaults alone reproduce each README row" holds only if the quality mode gives the
// continuous fitters nothing but data, seed and caps: any protocol option it passed would
// override a library default. The recorder captures what the bench hands over.
const matrix = (rows: number) => ({
  rows,
  cols: 2,
  values: Float32Array.from({ length: rows * 2 }, (_, i) => Math.sin(i)),
});
const splits: Splits = { name: 'moons', train: matrix(8), val: matrix(4), test: matrix(4) };
const hooks = { status: () => undefined };
const allowed = [
  'seed',
  'validation',
  'steps',
  'epochs',
  'maxSteps',
  'progressEvery',
  'onProgress',
];

/** The continuous trainers, each recording the definition's config and the options it was given, and failing. */
const recorder = () => {
  const calls: Readonly<Record<string, unknown>>[] = [];
  const configs: unknown[] = [];
  const record = <P extends Params>(def: ContinuousFlowDef<P>, _x: unknown, o: object = {}) => {
    configs.push(def.config);
    calls.push(Object.fromEntries(Object.entries(o)));
    return Promise.resolve(E.left(valueError('data', 'recorded', 'recorded')));
  };
  const continuous: ContinuousTraining = {
    fitFfjord: record,
    fitFlowMatching: record,
    flowMatchingLoss,
  };
  return { calls, configs, continuous };
};

const entryOf = (name: string, make: (o: { dim: number }) => FlowDef<Params>): FlowEntry => ({
  id: `continuous/${name}`,
  family: 'continuous',
  name,
  build: (size) => make({ dim: size.dim }),
  reference: undefined,
  continuous: true,
});

describe('quality mode trains the continuous presets with the fitters’ default options', () => {
  const options = { ...presetDefaults('full', 'quality'), maxSteps: 7 };

  it('flowMatching: fitFlowMatching gets data, validation, seed and caps only', async () => {
    const { calls, continuous } = recorder();
    const entry = entryOf('flowMatching', (o) => flowMatching({ ...o, hidden: [4] }));
    const def = entry.build({ dim: 2, hidden: [4], transforms: 1 });
    const r = await trainProtocol(entry, def, splits, options, hooks, 'fm', continuous);
    expect(r).toEqual(E.left('data: expected recorded, got recorded')); // the recorder's
    expect(calls).toHaveLength(1);
    expect(Object.keys(calls[0]!).filter((k) => !allowed.includes(k))).toEqual([]);
    expect(calls[0]!['steps']).toBe(7);
    expect(calls[0]!['validation']).toBeDefined();
  });

  it('ffjord: fitFfjord gets the preset’s default definition and no protocol options', async () => {
    const { calls, configs, continuous } = recorder();
    const entry = entryOf('ffjord', (o) => ffjord({ ...o, hidden: [4] }));
    const def = entry.build({ dim: 2, hidden: [4], transforms: 1 });
    const r = await trainProtocol(entry, def, splits, options, hooks, 'ffjord', continuous);
    expect(r).toEqual(E.left('ValueError: data: expected recorded, got recorded'));
    expect(calls).toHaveLength(1);
    expect(Object.keys(calls[0]!).filter((k) => !allowed.includes(k))).toEqual([]);
    expect(configs).toEqual([def.config]); // not rebuilt with other trace or tolerances
  });
});
