/**
 * The 2-D toy data sets of the FFJORD paper (Grathwohl et al. 2019), drawn
 * in the page by `@bijective/core/datasets` from a seed, so a setting shared
 * by URL shows the same points everywhere. All of them live roughly
 * in `[-4, 4]²`, the square every view draws.
 */
import { mulberry32 } from '@bijective/core/params';
import { toy2d } from '@bijective/core/datasets';

/** The data sets the page offers; `draw` means points the person drew. */
export const DATASETS = ['moons', '8gaussians', 'checkerboard', 'pinwheel', '2spirals'] as const;
export type DatasetName = (typeof DATASETS)[number];

/** Human labels of {@link DATASETS}. */
export const DATASET_LABELS: Readonly<Record<DatasetName, string>> = {
  moons: 'Two moons',
  '8gaussians': '8 Gaussians',
  checkerboard: 'Checkerboard',
  pinwheel: 'Pinwheel',
  '2spirals': 'Two spirals',
};

/** Half-width of the square `[-BOUND, BOUND]²` that the views show. */
export const BOUND = 4;

/** Rows `[x₀, y₀, x₁, y₁, …]`, row-major, `n × 2`. */
export type Points = Float32Array;

/** A seeded source of standard normal draws (Box–Muller), for the jitter of drawn points. */
const rng = (seed: number) => {
  const u = mulberry32(seed);
  return { normal: (): number => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u()) };
};

/**
 * `n` rows of a toy data set, deterministic in `seed`.
 *
 * @example
 * ```ts
 * const xs = generate('moons', 2000, 0); // Float32Array of 4000 numbers
 * ```
 */
export const generate = (name: DatasetName, n: number, seed: number): Points =>
  Float32Array.from(toy2d[name](n, { seed }).flat());

/** Whether a string names a data set. */
export const isDatasetName = (s: string): s is DatasetName =>
  (DATASETS as readonly string[]).includes(s);

/**
 * Enlarge a small drawn set for training: every drawn point becomes `copies`
 * points jittered by N(0, σ²), so a handful of clicks still gives a smooth
 * target (the jitter is the kernel of a kernel density estimate).
 *
 * @example
 * ```ts
 * const xs = jitter(drawn, 20, 0.08, 1);
 * ```
 */
export const jitter = (points: Points, copies: number, sigma: number, seed: number): Points => {
  const r = rng(seed);
  const n = points.length / 2;
  const out = new Float32Array(2 * n * copies);
  for (let c = 0; c < copies; c++)
    for (let i = 0; i < n; i++) {
      const k = c * n + i;
      out[2 * k] = points[2 * i]! + sigma * r.normal();
      out[2 * k + 1] = points[2 * i + 1]! + sigma * r.normal();
    }
  return out;
};
