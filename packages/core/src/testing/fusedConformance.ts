import { tf } from '../tf.js';
import type { Batch } from '../bijection.js';
import {
  FUSED_AFFINE,
  FUSED_AFFINE_GRAD,
  FUSED_SPLINE,
  FUSED_SPLINE_GRAD,
  STANDARD_NORMAL_LOG_PROB,
  STANDARD_NORMAL_LOG_PROB_GRAD,
  hasFusedKernel,
} from '../backend/fusedKernels.js';
import { standardNormalLogProbWithLogDet } from '../distributions/standardNormal.js';
import type { PerRow } from '../bijection.js';
import type { ElementMap } from '../elementMaps/elementMap.js';
import { affineMap } from '../elementMaps/affineMap.js';
import { splineMap } from '../elementMaps/splineMap.js';
import { rowLogDet } from '../spline/rationalQuadraticSpline.js';

/** One fused element-map case: the map, its kernel names and how to draw inputs. */
export interface FusedElementMapCase {
  readonly name: string;
  readonly kernel: string;
  readonly gradKernel: string;
  readonly map: ElementMap;
  /** Inputs are drawn in `[-spread, spread]`; the spline's bound is 3, so some fall outside. */
  readonly spread: number;
}

/** The cases {@link checkFusedElementMaps} runs: both spline parametrizations, two bin counts, the affine map. */
export const fusedElementMapCases = (): FusedElementMapCase[] => [
  {
    name: 'spline K=8 floor',
    kernel: FUSED_SPLINE,
    gradKernel: FUSED_SPLINE_GRAD,
    map: splineMap({ bins: 8, bound: 3 }),
    spread: 4,
  },
  {
    name: 'spline K=5 zuko',
    kernel: FUSED_SPLINE,
    gradKernel: FUSED_SPLINE_GRAD,
    map: splineMap({ bins: 5, bound: 3, parametrization: 'zuko' }),
    spread: 4,
  },
  {
    name: 'spline K=2 floor',
    kernel: FUSED_SPLINE,
    gradKernel: FUSED_SPLINE_GRAD,
    map: splineMap({ bins: 2, bound: 3, minBinSize: 0.05 }),
    spread: 4,
  },
  {
    name: 'affine',
    kernel: FUSED_AFFINE,
    gradKernel: FUSED_AFFINE_GRAD,
    map: affineMap,
    spread: 3,
  },
];

/** A small deterministic generator (so both backends see the same numbers). */
const draws = (seed: number, n: number, spread: number): number[] => {
  let s = seed >>> 0 || 1;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push((s / 2 ** 32) * 2 * spread - spread);
  }
  return out;
};

/** Everything compared: values, log-derivatives, row log-dets and the gradients of a fixed linear functional. */
interface Readout {
  readonly out: Float32Array;
  readonly lad: Float32Array;
  readonly logDet: Float32Array;
  readonly dx: Float32Array;
  readonly dRaw: Float32Array;
}

const readout = (
  c: FusedElementMapCase,
  inverse: boolean,
  seed: number,
  rows: number,
  dim: number,
): Readout => {
  const P = c.map.paramsPerDim;
  const xs = draws(seed, rows * dim, c.spread);
  // Exact edge cases: on the bound, just outside it, at 0.
  xs[0] = 3;
  xs[1] = -3.0001;
  xs[2] = 0;
  const x = tf.tensor2d(xs, [rows, dim]) as Batch;
  const raw = tf.tensor3d(draws(seed + 1, rows * dim * P, 1.5), [rows, dim, P]);
  const u = tf.tensor2d(draws(seed + 2, rows * dim, 1), [rows, dim]);
  const v = tf.tensor2d(draws(seed + 3, rows * dim, 1), [rows, dim]);
  const w = tf.tensor1d(draws(seed + 4, rows, 1));
  const run = (a: Batch, r: tf.Tensor3D) => (inverse ? c.map.inverse(a, r) : c.map.forward(a, r));
  const r = run(x, raw);
  const logDet = rowLogDet(r);
  const [dx, dRaw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => {
    const q = run(a as Batch, b as tf.Tensor3D);
    return tf.addN([
      tf.sum(tf.mul(q.out, u)),
      tf.sum(tf.mul(q.logAbsDeriv, v)),
      tf.sum(tf.mul(rowLogDet(q), w)),
    ]);
  })([x, raw]) as [tf.Tensor, tf.Tensor];
  const result: Readout = {
    out: Float32Array.from(r.out.dataSync()),
    lad: Float32Array.from(r.logAbsDeriv.dataSync()),
    logDet: Float32Array.from(logDet.dataSync()),
    dx: Float32Array.from(dx.dataSync()),
    dRaw: Float32Array.from(dRaw.dataSync()),
  };
  tf.dispose([x, raw, u, v, w, r.out, r.logAbsDeriv, logDet, dx, dRaw]);
  if (r.logDet !== undefined) r.logDet.dispose();
  return result;
};

/** The standard-normal log-density plus `sign · logDet`, and its gradients against `Σ lp · w`. */
const normalReadout = (sign: 1 | -1, seed: number, rows: number, dim: number): Float32Array[] => {
  const z = tf.tensor2d(draws(seed, rows * dim, 3), [rows, dim]) as Batch;
  const logDet = tf.tensor1d(draws(seed + 1, rows, 2)) as PerRow;
  const w = tf.tensor1d(draws(seed + 2, rows, 1));
  const lp = standardNormalLogProbWithLogDet(z, logDet, sign);
  const [dz, dl] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(standardNormalLogProbWithLogDet(a as Batch, b as PerRow, sign), w)),
  )([z, logDet]) as [tf.Tensor, tf.Tensor];
  const result = [lp, dz, dl].map((t) => Float32Array.from(t.dataSync()));
  tf.dispose([z, logDet, w, lp, dz, dl]);
  return result;
};

/** Entries differing by more than `rel · max(1, max |ref|)`. */
const compare = (
  what: string,
  ref: Float32Array,
  got: Float32Array,
  rel: number,
  skip: (i: number) => boolean = () => false,
): string[] => {
  if (ref.length !== got.length) return [`${what}: length ${got.length}, expected ${ref.length}`];
  let scale = 1;
  for (const r of ref) scale = Math.max(scale, Math.abs(r));
  const bad: string[] = [];
  for (let i = 0; i < ref.length; i++) {
    if (skip(i)) continue;
    const d = Math.abs(ref[i]! - got[i]!);
    if (!(d <= rel * scale)) bad.push(`${what}[${i}]: ${got[i]} vs reference ${ref[i]}`);
  }
  return bad.slice(0, 3);
};

/** Whether coordinate `i` of the drawn inputs is the one placed exactly on the spline's bound. */
const onBound = (c: FusedElementMapCase, i: number): boolean =>
  c.kernel === FUSED_SPLINE && i === 0;

/**
 * Conformance of a backend's fused element-map kernels (`FUSED_SPLINE`,
 * `FUSED_AFFINE` and their backward kernels, and `STANDARD_NORMAL_LOG_PROB`
 * for both signs) with the composite tfjs ops on
 * the reference backend (default `cpu`): for every case of
 * {@link fusedElementMapCases} whose kernel `backend` registers, forward and
 * inverse values, elementwise log-derivatives and row log-dets to relative
 * `1e-5`, gradients of `Σ out·u + Σ lad·v + Σ logDet·w` with respect to the
 * inputs and the raw parameters to `1e-4` of each tensor's scale (the inverse
 * 10x looser: the composite's float32 quadratic solve loses digits where the
 * spline is steep); spline inputs
 * outside the bound pass through with log-derivative 0; no leaked tensor. A
 * backend that registers a forward kernel without its backward kernel fails.
 * Inputs are `[rows, dim]` (`options.rows`, default 7, and `options.dim`,
 * default 3; raise them to reach a backend's multi-threaded or vectorised path).
 * Returns the problems (empty when conformant) and restores the active backend.
 *
 * @example
 * ```ts
 * expect(await checkFusedElementMaps('native')).toEqual([]);
 * ```
 */
export const checkFusedElementMaps = async (
  backend: string,
  options: { reference?: string; seed?: number; rows?: number; dim?: number } = {},
): Promise<string[]> => {
  const rows = options.rows ?? 7;
  const dim = options.dim ?? 3;
  const bad = Object.entries({ rows, dim }).filter(([, v]) => !(Number.isInteger(v) && v >= 1));
  if (bad.length > 0) return bad.map(([k, v]) => `options.${k} must be an integer ≥ 1, got ${v}`);
  if (rows * dim < 3)
    return [
      `options.rows × options.dim must be at least 3 (three fixed edge inputs), got ${rows * dim}`,
    ];
  const previous = tf.getBackend();
  const problems: string[] = [];
  const seed = options.seed ?? 11;
  try {
    if (!(await tf.setBackend(backend))) return [`backend '${backend}' could not be selected`];
    const cases = fusedElementMapCases().filter((c) => hasFusedKernel(c.kernel));
    const normal = hasFusedKernel(STANDARD_NORMAL_LOG_PROB);
    if (cases.length === 0 && !normal)
      return [`backend '${backend}' registers no fused element-map kernel`];
    if (normal && !hasFusedKernel(STANDARD_NORMAL_LOG_PROB_GRAD))
      problems.push(`'${backend}' registers ${STANDARD_NORMAL_LOG_PROB} but not its gradient`);
    for (const sign of normal ? ([1, -1] as const) : []) {
      const label = `standard normal + ${sign} · logDet on '${backend}'`;
      await tf.setBackend(options.reference ?? 'cpu');
      const ref = normalReadout(sign, seed, rows, dim);
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      const got = normalReadout(sign, seed, rows, dim);
      if (tf.memory().numTensors !== before)
        problems.push(`${label}: ${tf.memory().numTensors - before} leaked tensors`);
      ['logProb', 'd/dz', 'd/dlogDet'].forEach((what, i) =>
        problems.push(...compare(`${label} ${what}`, ref[i]!, got[i]!, 1e-5)),
      );
    }
    for (const c of cases) {
      if (!hasFusedKernel(c.gradKernel))
        problems.push(`${c.name}: '${backend}' registers ${c.kernel} but not ${c.gradKernel}`);
      for (const inverse of [false, true]) {
        const label = `${c.name} ${inverse ? 'inverse' : 'forward'} on '${backend}'`;
        await tf.setBackend(options.reference ?? 'cpu');
        const ref = readout(c, inverse, seed, rows, dim);
        await tf.setBackend(backend);
        const before = tf.memory().numTensors;
        const got = readout(c, inverse, seed, rows, dim);
        const after = tf.memory().numTensors;
        if (after !== before) problems.push(`${label}: ${after - before} leaked tensors`);
        // The composite inverse solves a quadratic in float32 and loses digits where the spline is
        // steep (the fused kernels work in double), so the inverse gets 10x looser tolerances.
        const tol = inverse ? 10 : 1;
        problems.push(
          ...compare(`${label} out`, ref.out, got.out, 1e-5 * tol),
          ...compare(`${label} logAbsDeriv`, ref.lad, got.lad, 1e-5 * tol),
          ...compare(`${label} logDet`, ref.logDet, got.logDet, 1e-5 * tol),
          // Entry 0 sits exactly on the spline's bound, where the composite's gradient is one-sided
          // and which side depends on the rounding of the last knot (ξ clipped at 1 or not): its
          // values are compared, its gradients are not.
          ...compare(`${label} d/dx`, ref.dx, got.dx, 1e-4 * tol, (i) => onBound(c, i)),
          ...compare(`${label} d/draw`, ref.dRaw, got.dRaw, 1e-4 * tol, (i) =>
            onBound(c, Math.floor(i / c.map.paramsPerDim)),
          ),
        );
        if (c.kernel === FUSED_SPLINE) {
          const xs = draws(seed, rows * dim, c.spread);
          xs[0] = 3;
          xs[1] = -3.0001;
          xs[2] = 0;
          xs.forEach((v, i) => {
            if (Math.abs(v) > 3 && (got.out[i] !== Math.fround(v) || got.lad[i] !== 0))
              problems.push(`${label}: input ${v} outside the bound did not pass through`);
          });
        }
      }
    }
  } finally {
    await tf.setBackend(previous);
  }
  return problems;
};
