/**
 * Statistics of repeated timings with d3-array; quantiles of type 7 (Hyndman & Fan 1996; R, NumPy):
 * `Q(p) = x₍⌊h⌋₎ + (h − ⌊h⌋)(x₍⌊h⌋+1₎ − x₍⌊h⌋₎)`, `h = (n − 1)p`. Timings on a shared machine are
 * skewed (a run is only ever slowed down): the report shows the median and IQR, not mean and sd.
 */
import { deviation, max, mean as average, min, quantile } from 'd3-array';

/** d3-array answers `undefined` for an empty sample; the report shows `NaN` as `–`. */
const nan = (x: number | undefined): number => x ?? Number.NaN;

/** Arithmetic mean; `NaN` for an empty sample. */
export const mean = (xs: readonly number[]): number => nan(average(xs));

/** The median (mean of the two middle values for an even count); `NaN` when empty. */
export const median = (xs: readonly number[]): number => nan(quantile(xs, 0.5));

/** Standard error of the mean, `s / √n` with the unbiased `s`; `NaN` for fewer than two values. */
export const standardError = (xs: readonly number[]): number =>
  nan(deviation(xs)) / Math.sqrt(xs.length);

/** Median, quartiles, IQR, extremes and mean of a sample. */
export const summarize = (xs: readonly number[]) => {
  const q1 = nan(quantile(xs, 0.25));
  const q3 = nan(quantile(xs, 0.75));
  const n = xs.length;
  return {
    n,
    median: median(xs),
    q1,
    q3,
    iqr: q3 - q1,
    min: nan(min(xs)),
    max: nan(max(xs)),
    mean: mean(xs),
  };
};

/** Summary of a sample of repeated measurements (seconds, or any unit). */
export type Summary = ReturnType<typeof summarize>;
