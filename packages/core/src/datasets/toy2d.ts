import { mulberry32 } from '../random.js';

/** Rows of a data set: `n` points, each `[x, y]`. Accepted wherever bijective takes a batch. */
export type Rows = number[][];

/** Options of every 2-D generator: how many points and the seed that fixes them. */
export interface Toy2dOptions {
  /** Seed of the draw (default 0): the same seed gives the same points everywhere. */
  readonly seed?: number;
}

/** Uniform `[0, 1)` and standard-normal draws from one seeded stream. */
const stream = (seed: number) => {
  const uniform = mulberry32(seed ^ 0x5bd1e995);
  // Box–Muller; 1 - u keeps the logarithm's argument in (0, 1].
  const normal = (): number =>
    Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
};

const checkCount = (n: number): void => {
  if (!(Number.isSafeInteger(n) && n >= 0))
    throw new RangeError(`n: expected a non-negative integer, got ${n}`);
};

/**
 * Two interleaved half circles: scikit-learn's `make_moons` with Gaussian
 * noise 0.05 (angles drawn uniformly), scaled by 2 and shifted by
 * `(-1, -0.2)`, the "moons" density of the FFJORD paper (Grathwohl et al.,
 * 2019) and of this repo's reference results. Half the points on each moon.
 *
 * @example
 * ```ts
 * const train = twoMoons(2000, { seed: 0 });
 * const test = twoMoons(1000, { seed: 1 });
 * ```
 */
export const twoMoons = (n: number, options: Toy2dOptions = {}): Rows => {
  checkCount(n);
  const { uniform, normal } = stream(options.seed ?? 0);
  const outer = Math.floor(n / 2);
  return Array.from({ length: n }, (_, i) => {
    const t = Math.PI * uniform();
    const [x, y] = i < outer ? [Math.cos(t), Math.sin(t)] : [1 - Math.cos(t), 0.5 - Math.sin(t)];
    return [2 * (x + 0.05 * normal()) - 1, 2 * (y + 0.05 * normal()) - 0.2];
  });
};

/**
 * A mixture of eight Gaussians (standard deviation 0.5 / √2) with centres
 * evenly spaced on a circle of radius 4 / √2 (FFJORD's "8gaussians").
 *
 * @example
 * ```ts
 * const rows = eightGaussians(1000, { seed: 3 });
 * ```
 */
export const eightGaussians = (n: number, options: Toy2dOptions = {}): Rows => {
  checkCount(n);
  const { uniform, normal } = stream(options.seed ?? 0);
  return Array.from({ length: n }, () => {
    const k = Math.floor(8 * uniform());
    const angle = (k * Math.PI) / 4;
    return [
      (4 * Math.cos(angle) + 0.5 * normal()) / Math.SQRT2,
      (4 * Math.sin(angle) + 0.5 * normal()) / Math.SQRT2,
    ];
  });
};

/**
 * A 4×4 checkerboard of uniform squares over `[-4, 4]²`, every other square
 * filled (FFJORD's "checkerboard"): a density with sharp edges.
 *
 * @example
 * ```ts
 * const rows = checkerboard(1000);
 * ```
 */
export const checkerboard = (n: number, options: Toy2dOptions = {}): Rows => {
  checkCount(n);
  const { uniform } = stream(options.seed ?? 0);
  return Array.from({ length: n }, () => {
    const x1 = 4 * uniform() - 2;
    const x2 = uniform() - 2 * Math.floor(2 * uniform()) + (((Math.floor(x1) % 2) + 2) % 2);
    return [2 * x1, 2 * x2];
  });
};

/**
 * Five curved arms (FFJORD's "pinwheel", after Johnson et al. 2016): radial
 * noise 0.3, tangential noise 0.1, each arm rotated by `0.25·exp(r)`.
 *
 * @example
 * ```ts
 * const rows = pinwheel(1000);
 * ```
 */
export const pinwheel = (n: number, options: Toy2dOptions = {}): Rows => {
  checkCount(n);
  const { normal } = stream(options.seed ?? 0);
  const arms = 5;
  return Array.from({ length: n }, (_, i) => {
    const r = 1 + 0.3 * normal();
    const s = 0.1 * normal();
    const angle = (2 * Math.PI * (i % arms)) / arms + 0.25 * Math.exp(r);
    const [c, d] = [Math.cos(angle), Math.sin(angle)];
    return [2 * (r * c - s * d), 2 * (r * d + s * c)];
  });
};

/**
 * Two interleaved spirals (FFJORD's "2spirals"): radius proportional to the
 * angle, up to 1.5 turns, with Gaussian noise 0.1.
 *
 * @example
 * ```ts
 * const rows = twoSpirals(1000);
 * ```
 */
export const twoSpirals = (n: number, options: Toy2dOptions = {}): Rows => {
  checkCount(n);
  const { uniform, normal } = stream(options.seed ?? 0);
  return Array.from({ length: n }, (_, i) => {
    const t = (Math.sqrt(uniform()) * 540 * 2 * Math.PI) / 360;
    const sign = i % 2 === 0 ? 1 : -1;
    const x = sign * (-Math.cos(t) * t + 0.5 * uniform());
    const y = sign * (Math.sin(t) * t + 0.5 * uniform());
    return [x / 3 + 0.1 * normal(), y / 3 + 0.1 * normal()];
  });
};

/** The 2-D generators by name, for pickers and command lines. */
export const toy2d = {
  moons: twoMoons,
  '8gaussians': eightGaussians,
  checkerboard,
  pinwheel,
  '2spirals': twoSpirals,
} as const;

/** The name of a 2-D generator in {@link toy2d}. */
export type Toy2dName = keyof typeof toy2d;
