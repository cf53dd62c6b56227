/**
 * The 2-D toy data sets of the FFJORD paper (Grathwohl et al., "FFJORD:
 * Free-form Continuous Dynamics for Scalable Reversible Generative Models",
 * 2019, `lib/toy_data.py`), generated in the page from a seed, so a setting
 * shared by URL shows the same points everywhere. All of them live roughly
 * in `[-4, 4]²`, the square every view draws.
 */
import { mulberry32 } from '@bijective/core';

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

/** A seeded source of uniform and standard normal draws (Box–Muller). */
const rng = (seed: number) => {
  const u = mulberry32(seed);
  let spare: number | undefined;
  const normal = (): number => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    const a = 2 * Math.PI * u();
    spare = r * Math.sin(a);
    return r * Math.cos(a);
  };
  return { uniform: u, normal };
};

type Rng = ReturnType<typeof rng>;

/** sklearn's `make_moons(noise=0.1)`, scaled by 2 and shifted by `(-1, -0.2)` as in FFJORD. */
const moons = (n: number, r: Rng, out: Points): void => {
  for (let i = 0; i < n; i++) {
    const t = Math.PI * r.uniform();
    const upper = i % 2 === 0;
    const x = upper ? Math.cos(t) : 1 - Math.cos(t);
    const y = upper ? Math.sin(t) : 0.5 - Math.sin(t);
    out[2 * i] = 2 * (x + 0.1 * r.normal()) - 1;
    out[2 * i + 1] = 2 * (y + 0.1 * r.normal()) - 0.2;
  }
};

/** Eight N(c, 0.5²) blobs on a circle of radius 4, divided by 1.414. */
const gaussians = (n: number, r: Rng, out: Points): void => {
  const s = 1 / Math.SQRT2;
  const centers = [
    [1, 0],
    [-1, 0],
    [0, 1],
    [0, -1],
    [s, s],
    [s, -s],
    [-s, s],
    [-s, -s],
  ] as const;
  for (let i = 0; i < n; i++) {
    const c = centers[Math.floor(r.uniform() * 8)]!;
    out[2 * i] = (4 * c[0] + 0.5 * r.normal()) / 1.414;
    out[2 * i + 1] = (4 * c[1] + 0.5 * r.normal()) / 1.414;
  }
};

/** Uniform on the black squares of a 4 × 4 checkerboard on `[-4, 4]²`. */
const checkerboard = (n: number, r: Rng, out: Points): void => {
  for (let i = 0; i < n; i++) {
    const x1 = 4 * r.uniform() - 2;
    const x2 = r.uniform() - 2 * Math.floor(2 * r.uniform()) + (Math.floor(x1) & 1);
    out[2 * i] = 2 * x1;
    out[2 * i + 1] = 2 * x2;
  }
};

/** Five curved arms (radial σ 0.3, tangential σ 0.1, rate 0.25), times 2. */
const pinwheel = (n: number, r: Rng, out: Points): void => {
  const arms = 5;
  for (let i = 0; i < n; i++) {
    const label = i % arms;
    const fx = r.normal() * 0.3 + 1;
    const fy = r.normal() * 0.1;
    const angle = (label * 2 * Math.PI) / arms + 0.25 * Math.exp(fx);
    const c = Math.cos(angle);
    const s = Math.sin(angle);
    out[2 * i] = 2 * (fx * c - fy * s);
    out[2 * i + 1] = 2 * (fx * s + fy * c);
  }
};

/** Two interleaved Archimedean spirals, divided by 3, plus N(0, 0.1²) noise. */
const spirals = (n: number, r: Rng, out: Points): void => {
  for (let i = 0; i < n; i++) {
    const t = (Math.sqrt(r.uniform()) * 540 * 2 * Math.PI) / 360;
    const sign = i % 2 === 0 ? 1 : -1;
    const x = -Math.cos(t) * t + 0.5 * r.uniform();
    const y = Math.sin(t) * t + 0.5 * r.uniform();
    out[2 * i] = (sign * x) / 3 + 0.1 * r.normal();
    out[2 * i + 1] = (sign * y) / 3 + 0.1 * r.normal();
  }
};

const GENERATORS: Readonly<Record<DatasetName, (n: number, r: Rng, out: Points) => void>> = {
  moons,
  '8gaussians': gaussians,
  checkerboard,
  pinwheel,
  '2spirals': spirals,
};

/**
 * `n` rows of a toy data set, deterministic in `seed`.
 *
 * @example
 * ```ts
 * const xs = generate('moons', 2000, 0); // Float32Array of 4000 numbers
 * ```
 */
export const generate = (name: DatasetName, n: number, seed: number): Points => {
  const out = new Float32Array(2 * n);
  GENERATORS[name](n, rng(seed), out);
  return out;
};

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
