import { describe, expect, it } from 'vitest';
import { mean, median, standardError, summarize } from '../src/stats.js';

describe('statistics', () => {
  it('median is the middle order statistic, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([5])).toBe(5);
    expect(median([])).toBeNaN();
  });

  it('quartiles interpolate linearly between order statistics (type 7)', () => {
    const xs = summarize([50, 10, 40, 20, 30]);
    expect([xs.min, xs.q1, xs.q3, xs.max]).toEqual([10, 20, 40, 50]);
    expect(summarize([1, 2, 3, 4]).q1).toBeCloseTo(1.75, 12);
    expect(summarize([1, 2, 3, 4]).q3).toBeCloseTo(3.25, 12);
    expect(summarize([]).q1).toBeNaN();
  });

  it('summarize gives quartiles, IQR, extremes and mean, and does not reorder its input', () => {
    const xs = [0.013, 0.01, 0.012, 0.011, 0.05];
    const s = summarize(xs);
    expect(xs).toEqual([0.013, 0.01, 0.012, 0.011, 0.05]);
    expect(s.n).toBe(5);
    expect(s.median).toBeCloseTo(0.012, 12);
    expect(s.q1).toBeCloseTo(0.011, 12);
    expect(s.q3).toBeCloseTo(0.013, 12);
    expect(s.iqr).toBeCloseTo(0.002, 12);
    expect(s.min).toBe(0.01);
    expect(s.max).toBe(0.05);
    expect(s.mean).toBeCloseTo(0.0192, 12);
  });

  it('the median and IQR resist one slow outlier; the mean does not', () => {
    const fast = [1, 1.1, 0.9, 1.05, 0.95];
    const slowed = [...fast, 100];
    expect(Math.abs(median(slowed) - median(fast))).toBeLessThan(0.1);
    expect(summarize(slowed).iqr).toBeLessThan(0.3);
    expect(mean(slowed)).toBeGreaterThan(10);
  });

  it('standard error is s/√n with the unbiased s', () => {
    // s² = 5/3 for 1..4, so s.e. = √(5/12).
    expect(standardError([1, 2, 3, 4])).toBeCloseTo(Math.sqrt(5 / 12), 12);
    expect(standardError([7, 7, 7])).toBe(0);
    expect(standardError([1])).toBeNaN();
  });
});
