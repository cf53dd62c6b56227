import { tfSeed } from '../random.js';
import { tf } from '../tf.js';
import type { Batch, PerRow } from '../bijection.js';
import type { Flow, FlowDef } from '../flow.js';
import { type Params, disposeParams, splitSeed } from '../params.js';
import { perturbParams } from './perturb.js';
import { type BriefTraining, trainBriefly } from './trainBriefly.js';
import { twoMoons } from '../datasets/toy2d.js';
import type { Registry, RegistryEntry, Shape } from './registry.js';

/** Options of {@link densityIntegral} and {@link integratesToOne}. */
export interface IntegrationOptions {
  /** The grid covers `[-bound, bound]²` (default 6). */
  readonly bound?: number;
  /** Grid points per axis, both ends included (default 401, spacing 0.03 on `[-6, 6]`). */
  readonly points?: number;
  /** Grid rows (of the first coordinate) per `logProb` call (default 40, i.e. 16,040 points). */
  readonly rowsPerBatch?: number;
  /** Largest `|∫p − 1|` accepted (default 1e-2). */
  readonly tolerance?: number;
  /** For a conditional flow: the one context row used at every grid point (length `contextDim`). */
  readonly context?: readonly number[];
  /**
   * Grid points per axis of the sensitivity check of {@link integratesToOne}
   * (default 101), or `false` to skip it.
   */
  readonly sensitivity?: number | false;
}

/** What a grid integrand is: the flow's log-density, or the one with its log-det negated. */
type Integrand = 'logProb' | 'negatedLogDet';

const trapezoid = (
  flow: Flow,
  integrand: Integrand,
  bound: number,
  n: number,
  rowsPerBatch: number,
  context: readonly number[] | undefined,
): number => {
  const h = (2 * bound) / (n - 1);
  const axis = Float32Array.from({ length: n }, (_, i) => -bound + i * h);
  const edge = (i: number) => (i === 0 || i === n - 1 ? 0.5 : 1);
  let total = 0;
  for (let start = 0; start < n; start += rowsPerBatch) {
    const rows = Math.min(rowsPerBatch, n - start);
    const points = new Float32Array(rows * n * 2);
    const weights = new Float32Array(rows * n);
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < n; j++) {
        const k = r * n + j;
        points[2 * k] = axis[start + r]!;
        points[2 * k + 1] = axis[j]!;
        weights[k] = edge(start + r) * edge(j);
      }
    const s = tf.tidy(() => {
      const x: Batch = tf.tensor2d(points, [rows * n, 2]);
      const c: Batch | undefined =
        context === undefined
          ? undefined
          : tf.tile(tf.tensor2d([...context], [1, context.length]), [rows * n, 1]);
      let logDensity: PerRow;
      if (integrand === 'logProb') logDensity = flow.logProb(x, c);
      else {
        const { y, logDet } = flow.bijection.forward(x, c);
        logDensity = tf.sub(flow.base.logProb(y, c), logDet);
      }
      return tf.sum(tf.mul(tf.exp(logDensity), tf.tensor1d(weights)));
    });
    total += s.dataSync()[0]!;
    s.dispose();
  }
  return total * h * h;
};

const checkShape = (def: FlowDef<Params>, context: readonly number[] | undefined): void => {
  if (def.dim !== 2) throw new Error(`densityIntegral: a 2-D flow is needed, got dim ${def.dim}`);
  if ((context?.length ?? 0) !== def.contextDim)
    throw new Error(
      `densityIntegral: a context row of length ${def.contextDim} is needed, got ${context?.length ?? 0}`,
    );
};

/**
 * `∫ p(x) dx` of a 2-D flow over the square `[-L, L]²`, by the trapezoidal
 * rule on an `n × n` grid (spacing `h = 2L/(n−1)`, weights `h²` inside, halved
 * on the edges) of `flow.logProb`. For a smooth density whose mass outside
 * the square is negligible the rule converges faster than any power of `h`
 * (for the C¹ rational-quadratic splines, as `h²`), so at the default
 * 401 × 401 grid on `[-6, 6]²` a correct flow gives 1 to well under 1e-2.
 * The density is evaluated in batches of grid rows, each under `tf.tidy`
 * (nothing is left behind); partial sums are float64.
 *
 * @example
 * ```ts
 * const I = densityIntegral(def, params); // ≈ 1
 * ```
 */
export const densityIntegral = <P extends Params>(
  def: FlowDef<P>,
  params: P,
  options: IntegrationOptions = {},
): number => {
  checkShape(def, options.context);
  return trapezoid(
    def.apply(params),
    'logProb',
    options.bound ?? 6,
    options.points ?? 401,
    options.rowsPerBatch ?? 40,
    options.context,
  );
};

/**
 * Throw unless the flow's density integrates to one on the grid of
 * {@link densityIntegral} (`|∫p − 1| ≤ tolerance`, default 1e-2; a NaN
 * fails). Returns the integral.
 *
 * This is the check no *consistent* log-det error passes. A log-det with the
 * wrong sign in both directions still round-trips and satisfies
 * `logDet_inverse = −logDet_forward`, but then
 * `∫ p_base(T(x)) |det ∂T/∂x|⁻¹ dx = E_base[|det ∂T/∂x|⁻²] ≠ 1`
 * unless `|det| = 1` almost everywhere. So that a pass means something, it
 * also integrates that sign-flipped density (on a coarser grid,
 * `sensitivity` points per axis) and throws if it, too, is within the
 * tolerance of 1: the flow is then too close to volume-preserving for this
 * test to see a wrong sign, and needs perturbing further.
 *
 * @example
 * ```ts
 * integratesToOne(def, params); // throws "integratesToOne: ∫p = 0.41 …" for a wrong log-det
 * ```
 */
export const integratesToOne = <P extends Params>(
  def: FlowDef<P>,
  params: P,
  options: IntegrationOptions = {},
): number => {
  const bound = options.bound ?? 6;
  const tolerance = options.tolerance ?? 1e-2;
  const integral = densityIntegral(def, params, options);
  const where = `over [-${bound}, ${bound}]² for '${def.name}'`;
  if (!(Math.abs(integral - 1) <= tolerance))
    throw new Error(`integratesToOne: ∫p = ${integral} ${where} (|∫p − 1| > ${tolerance})`);
  const sensitivity = options.sensitivity ?? 101;
  if (sensitivity !== false) {
    const flow = def.apply(params);
    const flipped = trapezoid(flow, 'negatedLogDet', bound, sensitivity, 40, options.context);
    if (Math.abs(flipped - 1) <= tolerance)
      throw new Error(
        `integratesToOne: insensitive: with its log-det negated the density still integrates to ${flipped} ${where}; train or perturb it further`,
      );
  }
  return integral;
};

/** The cases {@link checkIntegratesToOne} runs: every flow preset with 2 among its dims, with and without a context. */
export const integrationCases = (
  registry: Registry,
  contextDim = 3,
): { name: string; preset: string; entry: RegistryEntry & { kind: 'flow' }; shape: Shape }[] =>
  Object.entries(registry).flatMap(([preset, entry]) =>
    entry.kind !== 'flow' || !entry.dims.includes(2)
      ? []
      : [
          { name: `${preset} dim=2`, preset, entry, shape: { dim: 2, contextDim: 0 } },
          ...(entry.conditional
            ? [
                {
                  name: `${preset} dim=2 context=${contextDim}`,
                  preset,
                  entry,
                  shape: { dim: 2, contextDim },
                },
              ]
            : []),
        ],
  );

const contextRow = (contextDim: number, seed: number): number[] => {
  const t = tf.randomNormal([contextDim], 0, 1, 'float32', tfSeed(splitSeed(seed, 2)));
  const row = Array.from(t.dataSync());
  t.dispose();
  return row;
};

/** Options of {@link checkIntegratesToOne}. */
export interface RegistryIntegrationOptions extends IntegrationOptions {
  /** Seed of the parameters, the data and the context row (default 11). */
  readonly seed?: number;
  /** Standard deviation of the noise added to the initial parameters (default 0.1). */
  readonly perturb?: number;
  /** The brief maximum-likelihood fit to two moons before integrating (default 20 Adam steps at 1e-2). */
  readonly training?: BriefTraining;
}

/**
 * {@link integratesToOne} for one registry preset, on a flow made
 * non-trivial the way a user's is: initial parameters perturbed by
 * `N(0, 0.1²)`, then {@link trainBriefly} (20 full-batch Adam steps) on 256
 * {@link twoMoons} points — with a seeded `N(0, 1)` context row, tiled, for
 * a conditional preset, which is also the row integrated at. The fit moves
 * the log-det away from 0 (the data's spread is about half the base's) while
 * keeping the mass inside `[-6, 6]²`, where a merely perturbed flow can
 * spread it far out. Leaves no tensor behind; returns the integral.
 *
 * @example
 * ```ts
 * for (const c of integrationCases(registry)) it(c.name, () => checkIntegratesToOne(c.entry, c.shape));
 * ```
 */
export const checkIntegratesToOne = (
  entry: RegistryEntry & { kind: 'flow' },
  shape: Shape,
  options: RegistryIntegrationOptions = {},
): number => {
  const seed = options.seed ?? 11;
  const def = entry.build(shape);
  const before = tf.memory().numTensors;
  const context =
    options.context ?? (shape.contextDim > 0 ? contextRow(shape.contextDim, seed) : undefined);
  const n = 256;
  // Half-size moons (about [-1, 2] × [-0.6, 1.1]): the fit must move the log-det away from 0.
  const data: Batch = tf.tidy(() =>
    tf.add(tf.mul(tf.tensor2d(twoMoons(n, { seed: splitSeed(seed, 3) })), 0.5), [0.5, 0.1]),
  );
  const dataContext: Batch | undefined =
    context === undefined
      ? undefined
      : tf.tidy(() => tf.tile(tf.tensor2d([...context], [1, context.length]), [n, 1]));
  const initial = def.init(splitSeed(seed, 0));
  const perturbed = perturbParams(initial, options.perturb ?? 0.1, seed, 100);
  disposeParams(initial);
  let integral: number;
  try {
    const trained = trainBriefly(def, perturbed, data, dataContext, options.training);
    try {
      integral = integratesToOne(def, trained, { ...options, ...(context ? { context } : {}) });
    } finally {
      disposeParams(trained);
    }
  } finally {
    disposeParams(perturbed);
    data.dispose();
    dataContext?.dispose();
  }
  const after = tf.memory().numTensors;
  if (after !== before)
    throw new Error(`checkIntegratesToOne: ${after - before} tensors left behind`);
  return integral;
};
