import { describe, expect, it } from 'vitest';
import { flowMatching, ffjord } from '@bijective/continuous';
import type { FlowDef, Params } from '@bijective/core';
import { presetDefaults } from '../src/args.js';
import type { Splits } from '../src/data.js';
import type { FlowEntry, Fitter } from '../src/flows.js';
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

const recorder = () => {
  const calls: Readonly<Record<string, unknown>>[] = [];
  const fitter: Fitter = (_def, _data, options) => {
    calls.push(options);
    return Promise.resolve({ _tag: 'Left', left: new Error('recorded') });
  };
  return { calls, fitter };
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
    const { calls, fitter } = recorder();
    const entry = entryOf('flowMatching', (o) => flowMatching({ ...o, hidden: [4] }));
    const def = entry.build({ dim: 2, hidden: [4], transforms: 1 });
    const r = await trainProtocol(entry, def, splits, options, fitter, hooks, 'fm');
    expect(r._tag).toBe('Left'); // the recorder's
    expect(calls).toHaveLength(1);
    expect(Object.keys(calls[0]!).filter((k) => !allowed.includes(k))).toEqual([]);
    expect(calls[0]!['steps']).toBe(7);
    expect(calls[0]!['validation']).toBeDefined();
  });

  it('ffjord: fitFfjord gets the preset’s default definition and no protocol options', async () => {
    const { calls, fitter } = recorder();
    let trained: FlowDef<Params> | undefined;
    const entry: FlowEntry = {
      ...entryOf('ffjord', (o) => ffjord({ ...o, hidden: [4] })),
      fitFfjord: (def, data, o) => {
        trained = def;
        return fitter(def, data, o);
      },
    };
    const def = entry.build({ dim: 2, hidden: [4], transforms: 1 });
    const r = await trainProtocol(entry, def, splits, options, undefined, hooks, 'ffjord');
    expect(r._tag).toBe('Left');
    expect(Object.keys(calls[0]!).filter((k) => !allowed.includes(k))).toEqual([]);
    expect(trained?.config).toEqual(def.config); // not rebuilt with other trace or tolerances
  });
});
