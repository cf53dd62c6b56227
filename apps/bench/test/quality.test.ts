import { describe, expect, it } from 'vitest';
import type { QualityRow, SeedRun } from '../src/model.js';
import { aggregateSeeds } from '../src/quality.js';
import { qualityReference } from '../src/reference.js';
import { qualityTable } from '../src/report/sections.js';

const seedRun = (seed: number, testLL: number, testMedian: number, steps: number): SeedRun => ({
  seed,
  testLL,
  testLLStdErr: 0.01,
  testMedian,
  wallSeconds: 100 + seed,
  steps,
  epochs: steps / 79,
  stoppedBy: seed === 2 ? 'budget' : 'patience',
});

describe('aggregateSeeds', () => {
  it('reports one seed as it is: test LL ± its standard error over test examples', () => {
    const r = seedRun(0, -3.7, -3.6, 790);
    expect(aggregateSeeds([r])).toEqual({
      testLL: -3.7,
      testLLStdErr: 0.01,
      testMedian: -3.6,
      wallSeconds: 100,
      steps: 790,
      epochs: 10,
      stoppedBy: 'patience',
    });
  });

  it('pools several seeds as RESULTS.md does: mean [min, max], mean of the medians, every run kept', () => {
    const runs = [
      seedRun(0, -3.7, -3.6, 790),
      seedRun(1, -3.5, -3.4, 1580),
      seedRun(2, -3.66, -3.5, 2370),
    ] as const;
    const a = aggregateSeeds(runs);
    // Means of three float64 values: exact to rounding (1e-12).
    expect(a.testLL).toBeCloseTo(-3.62, 12);
    expect(a.testLLMin).toBe(-3.7);
    expect(a.testLLMax).toBe(-3.5);
    expect(a.testMedian).toBeCloseTo(-3.5, 12);
    expect(a.wallSeconds).toBe(303);
    expect(a.runs).toEqual(runs);
    // A mean over seeds has no per-example standard error, and steps/epochs belong to the runs.
    expect(a.testLLStdErr).toBeUndefined();
    expect(a.steps).toBeUndefined();
  });
});

describe('qualityTable with several seeds', () => {
  it('shows mean [min, max] and lists steps, epochs and stop reasons per seed', () => {
    const row: QualityRow = {
      dataset: 'checkerboard',
      flow: 'autoregressive/maf',
      backend: 'wasm',
      status: 'ok',
      params: 23060,
      method: 'maximum likelihood',
      ...aggregateSeeds([
        seedRun(0, -3.7, -3.6, 790),
        seedRun(1, -3.5, -3.4, 1580),
        seedRun(2, -3.66, -3.5, 2370),
      ]),
      reference: {
        model: 'MAF',
        testLL: -3.612,
        testLLMin: -3.652,
        testLLMax: -3.581,
        median: -3.501,
      },
    };
    const t = qualityTable([row]);
    const cell = (name: string) => t.rows[0]![t.header.indexOf(name)];
    expect(cell('test LL')).toBe('-3.620 [-3.700, -3.500]');
    expect(cell('median')).toBe('-3.500');
    expect(cell('Δ LL')).toBe('-0.008');
    expect(cell('Adam steps')).toBe('790 / 1580 / 2370');
    expect(cell('epochs')).toBe('10 / 20 / 30');
    expect(cell('stopped by')).toBe('patience / patience / budget');
  });
});

describe('NFE of continuous flows', () => {
  it('averages NFE per solve over seeds and shows it only in tables that have a continuous row', () => {
    const runs = [
      { ...seedRun(0, -1.8, -1.5, 3000), trainNfe: 50, testNfe: 80 },
      { ...seedRun(1, -1.7, -1.4, 3100), trainNfe: 60, testNfe: 90 },
    ] as const;
    const a = aggregateSeeds(runs);
    expect(a.trainNfe).toBe(55);
    expect(a.testNfe).toBe(85);
    // A seed without the figure makes the mean undefined rather than a mean of fewer seeds.
    expect(aggregateSeeds([runs[0], seedRun(2, -1.9, -1.6, 10)]).trainNfe).toBeUndefined();
    const continuous: QualityRow = {
      dataset: 'moons',
      flow: 'continuous/flowMatching',
      backend: 'wasm',
      status: 'ok',
      params: 9026,
      method: 'flow matching',
      ...aggregateSeeds([{ ...seedRun(0, -1.77, -1.52, 13500), testNfe: 74.4 }]),
    };
    const discrete: QualityRow = {
      dataset: 'moons',
      flow: 'autoregressive/maf',
      backend: 'wasm',
      status: 'ok',
      params: 23060,
      method: 'maximum likelihood',
      ...aggregateSeeds([seedRun(0, -1.73, -1.5, 2000)]),
    };
    const both = qualityTable([continuous, discrete]);
    const col = both.header.indexOf('NFE per solve (train / test)');
    expect(col).toBeGreaterThan(0);
    expect(both.rows[0]![col]).toBe('– / 74');
    expect(both.rows[1]![col]).toBe('– / –');
    expect(qualityTable([discrete]).header).not.toContain('NFE per solve (train / test)');
  });
});

describe('qualityReference', () => {
  it("gives RESULTS.md's figures for a (data set, model), the budget of a continuous run, or none", () => {
    expect(qualityReference('checkerboard', 'MAF')).toEqual({
      model: 'MAF',
      testLL: -3.612,
      testLLMin: -3.652,
      testLLMax: -3.581,
      median: -3.501,
    });
    expect(qualityReference('digits', 'flow matching')).toEqual({
      model: 'flow matching',
      testLL: -55.13,
      note: '200 s, 65524 steps',
    });
    expect(qualityReference('moons', 'FFJORD')?.note).toBe('150 s, 324 steps; under-trained');
    expect(qualityReference('pinwheel', 'FFJORD')).toBeUndefined();
    expect(qualityReference('moons', undefined)).toBeUndefined();
  });
});
