/**
 * Order statistics for repeated timings.
 *
 * Timings on a shared machine are skewed (a run is only ever slowed down), so
 * the benchmark reports the median and the interquartile range rather than
 * the mean and standard deviation.
 */

/** Summary of a sample of repeated measurements (seconds, or any unit). */
export interface Summary {
  /** Number of measurements. */
  readonly n: number;
  readonly median: number;
  /** First quartile (25th percentile, linear interpolation). */
  readonly q1: number;
  /** Third quartile (75th percentile, linear interpolation). */
  readonly q3: number;
  /** Interquartile range `q3 - q1`. */
  readonly iqr: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
}

const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);

/**
 * The `p`-quantile of a sample (`0 ≤ p ≤ 1`) by linear interpolation between
 * order statistics (Hyndman & Fan 1996, type 7, the default of R and NumPy):
 * `h = (n - 1) p`, `Q(p) = x₍⌊h⌋₎ + (h - ⌊h⌋)(x₍⌊h⌋+1₎ - x₍⌊h⌋₎)`.
 * Returns `NaN` for an empty sample.
 *
 * @example
 * ```ts
 * quantile([1, 2, 3, 4], 0.5);  // 2.5
 * quantile([1, 2, 3, 4], 0.25); // 1.75
 * ```
 */
export const quantile = (xs: readonly number[], p: number): number => {
  if (xs.length === 0) return Number.NaN;
  const s = sorted(xs);
  const h = (s.length - 1) * Math.min(1, Math.max(0, p));
  const lo = Math.floor(h);
  const hi = Math.min(s.length - 1, lo + 1);
  return s[lo]! + (h - lo) * (s[hi]! - s[lo]!);
};

/**
 * The median: the middle order statistic, or the mean of the two middle ones.
 *
 * @example
 * ```ts
 * median([3, 1, 2]);    // 2
 * median([4, 1, 3, 2]); // 2.5
 * ```
 */
export const median = (xs: readonly number[]): number => quantile(xs, 0.5);

/**
 * Arithmetic mean; `NaN` for an empty sample.
 *
 * @example
 * ```ts
 * mean([1, 2, 3]); // 2
 * ```
 */
export const mean = (xs: readonly number[]): number =>
  xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Standard error of the mean, `s / √n` with the unbiased sample standard
 * deviation `s = √(Σ(xᵢ - x̄)² / (n - 1))`. `NaN` for fewer than two values.
 *
 * @example
 * ```ts
 * standardError([1, 2, 3, 4]); // 0.6455
 * ```
 */
export const standardError = (xs: readonly number[]): number => {
  const n = xs.length;
  if (n < 2) return Number.NaN;
  const m = mean(xs);
  const ss = xs.reduce((a, x) => a + (x - m) * (x - m), 0);
  return Math.sqrt(ss / (n - 1) / n);
};

/**
 * Median, quartiles, IQR, extremes and mean of a sample.
 *
 * @example
 * ```ts
 * const s = summarize([0.011, 0.010, 0.013, 0.012]);
 * s.median; // 0.0115
 * s.iqr;    // 0.0015
 * ```
 */
export const summarize = (xs: readonly number[]): Summary => {
  const q1 = quantile(xs, 0.25);
  const q3 = quantile(xs, 0.75);
  return {
    n: xs.length,
    median: median(xs),
    q1,
    q3,
    iqr: q3 - q1,
    min: xs.length === 0 ? Number.NaN : Math.min(...xs),
    max: xs.length === 0 ? Number.NaN : Math.max(...xs),
    mean: mean(xs),
  };
};
