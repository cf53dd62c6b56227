import { describe, expect, it } from 'vitest';
import { compareToComposite } from '../src/testing/compareToComposite.js';

// The comparison every fused-kernel conformance check (MLP, field trace) runs its results through.
describe('compareToComposite', () => {
  const ref = [
    [1, -2, 3],
    [0.001, 0.002],
  ];

  it('passes float32 rounding: entries within rtol of the largest entry (at least 1)', () => {
    const got = [
      [1 + 1e-6, -2, 3 - 2e-6],
      [0.001 + 5e-6, 0.002],
    ];
    expect(compareToComposite('case', ['out', 'dx'], ref, got, 1e-5)).toEqual([]);
  });

  it('names the first differing entry of each result that differs', () => {
    const got = [
      [1, -2.001, 3],
      [0.001, 0.002 + 1e-3],
    ];
    expect(compareToComposite('case', ['out', 'dx'], ref, got, 1e-5)).toEqual([
      'case out[1]: -2.001 vs composite -2',
      'case dx[1]: 0.003 vs composite 0.002',
    ]);
  });

  it('reports a NaN, a missing result and a wrong length', () => {
    expect(
      compareToComposite(
        'c',
        ['out', 'dx'],
        ref,
        [
          [1, NaN, 3],
          [0.001, 0.002],
        ],
        1e-5,
      ),
    ).toEqual(['c out[1]: NaN vs composite -2']);
    expect(compareToComposite('c', ['out', 'dx'], ref, [[1, -2, 3]], 1e-5)).toEqual([
      'c: 1 results instead of 2',
    ]);
    expect(
      compareToComposite(
        'c',
        ['out', 'dx'],
        ref,
        [
          [1, -2],
          [0.001, 0.002],
        ],
        1e-5,
      ),
    ).toEqual(['c out: 2 values instead of 3']);
  });
});
