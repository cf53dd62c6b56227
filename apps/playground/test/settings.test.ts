import { describe, expect, it } from 'vitest';
import { parseSavedFile, savedFile } from '../src/modelFile.js';
import { DEFAULTS, fromHash, toHash } from '../src/settings.js';

describe('settings in the URL', () => {
  it('round-trip through the fragment', () => {
    const s = {
      ...DEFAULTS,
      dataset: 'draw' as const,
      seed: 7,
      preset: 'mafSpline' as const,
      transforms: 3,
      hidden: 32,
      bins: 12,
      backend: 'cpu' as const,
      learningRate: 0.01,
      batchSize: 128,
      maxSteps: 500,
      drawn: [0.5, -1.25, 2, 3],
    };
    expect(fromHash(toHash(s))).toEqual(s);
  });

  it('fall back to defaults for unknown or out-of-range values', () => {
    const s = fromHash('#data=nope&flow=zzz&hidden=-3&lr=7&backend=gpu&pts=1,2,3');
    expect(s).toEqual(DEFAULTS);
  });
});

describe('model file', () => {
  it('round-trips the settings and the weight bytes', () => {
    const weights = new Float32Array([1, 2, 3]).buffer;
    const manifest = { format: 'bijective-flow' } as never;
    const text = JSON.stringify(savedFile({ ...DEFAULTS, seed: 3 }, { manifest, weights }));
    const r = parseSavedFile(text);
    if (typeof r === 'string') throw new Error(r);
    expect(r.page.seed).toBe(3);
    expect(Array.from(new Float32Array(r.model.weights))).toEqual([1, 2, 3]);
  });

  it('says what is wrong with a file that is not one', () => {
    expect(parseSavedFile('{')).toBe('not a JSON file');
    expect(parseSavedFile('{"format":"x"}')).toMatch(/not a playground model file/);
  });
});
