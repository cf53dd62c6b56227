import { tf } from '../tf.js';
import type { Batch, PerRow } from '../bijection.js';
import { softClamp } from '../nn/softClamp.js';

/** Options of the rational-quadratic spline. */
export interface SplineOptions {
  /** Number of bins `K` (default 8). */
  readonly bins?: number;
  /** The spline acts on `[-bound, bound]` (default 5); identity outside. */
  readonly bound?: number;
  /** Floor on each bin's width and height as a fraction of `2·bound` (default 1e-3). */
  readonly minBinSize?: number;
  /** Floor on the interior knot derivatives (default 1e-3); with `parametrization: 'zuko'`, zuko's `slope`. */
  readonly minDerivative?: number;
  /**
   * How raw parameters become bins and derivatives:
   * - `'floor'` (default): sizes `m + (1 - mK)·softmax(raw)` (`m = minBinSize`),
   *   derivatives `minDerivative + softplus(raw)`;
   * - `'zuko'`: zuko's `MonotonicRQSTransform` (1.x) with `slope = minDerivative`, `L = |log slope|`:
   *   sizes `softmax(raw / (1 + |2 raw / L|))`, derivatives `exp(raw / (1 + |raw / L|))`
   *   (so all-zero raw parameters give the identity). `minBinSize` does not apply.
   */
  readonly parametrization?: 'floor' | 'zuko';
}

/** Unconstrained parameters per coordinate: `K` widths, `K` heights, `K - 1` interior derivatives. */
export const splineParamCount = (bins: number): number => 3 * bins - 1;

/**
 * The raw derivative value whose softplus-plus-floor equals 1, so all-zero
 * widths/heights and this value for derivatives give exactly the identity.
 */
export const identityDerivative = (
  minDerivative = 1e-3,
  parametrization: 'floor' | 'zuko' = 'floor',
): number => (parametrization === 'zuko' ? 0 : Math.log(Math.expm1(1 - minDerivative)));

interface Knots {
  readonly xk: tf.Tensor; // left knot, [B, D]
  readonly yk: tf.Tensor;
  readonly w: tf.Tensor; // bin width
  readonly h: tf.Tensor; // bin height
  readonly d0: tf.Tensor; // derivative at the left knot
  readonly d1: tf.Tensor; // derivative at the right knot
}

const knotPositions = (raw: tf.Tensor, bins: number, bound: number, p: Unpacked): tf.Tensor => {
  // Bin sizes summing to 1 (with a floor, or zuko's soft-clamped logits); knots at -B + 2B·cumsum, the last one exactly at +B.
  const sizes =
    p.parametrization === 'zuko'
      ? tf.softmax(softClamp(raw, -Math.log(p.minDerivative) / 2), -1)
      : tf.add(p.minSize, tf.mul(1 - p.minSize * bins, tf.softmax(raw, -1)));
  const cum = tf.cumsum(sizes, 2);
  const interior = tf.slice(cum, [0, 0, 0], [-1, -1, bins - 1]);
  const lead = tf.fill([raw.shape[0]!, raw.shape[1]!, 1], -bound);
  const tail = tf.fill([raw.shape[0]!, raw.shape[1]!, 1], bound);
  return tf.concat([lead, tf.sub(tf.mul(2 * bound, interior), bound), tail], 2); // [B, D, K+1]
};

/** Pick, per coordinate, the entries of bin `onehot` from `[B, D, K(+1)]` tensors. */
const pick = (t: tf.Tensor, onehot: tf.Tensor, offset: number, bins: number): tf.Tensor =>
  tf.sum(tf.mul(tf.slice(t, [0, 0, offset], [-1, -1, bins]), onehot), 2);

const locate = (
  v: tf.Tensor,
  raw: tf.Tensor,
  bins: number,
  bound: number,
  p: Unpacked,
  byHeight: boolean,
): Knots => {
  const K = bins;
  const rw = tf.slice(raw, [0, 0, 0], [-1, -1, K]);
  const rh = tf.slice(raw, [0, 0, K], [-1, -1, K]);
  const rd = tf.slice(raw, [0, 0, 2 * K], [-1, -1, K - 1]);
  const cw = knotPositions(rw, K, bound, p);
  const ch = knotPositions(rh, K, bound, p);
  const ones = tf.ones([raw.shape[0]!, raw.shape[1]!, 1]);
  // Boundary derivatives are 1 so the spline joins the identity tails with a continuous slope.
  const interiorDeriv =
    p.parametrization === 'zuko'
      ? tf.exp(softClamp(rd, -Math.log(p.minDerivative)))
      : tf.add(p.minDerivative, tf.softplus(rd));
  const deriv = tf.concat([ones, interiorDeriv, ones], 2);
  const edges = byHeight ? ch : cw;
  // Bin index = number of interior knots at or left of v (v already clamped inside).
  const interiorEdges = tf.slice(edges, [0, 0, 1], [-1, -1, K - 1]);
  const index = tf.sum(tf.cast(tf.greaterEqual(tf.expandDims(v, 2), interiorEdges), 'int32'), 2);
  const onehot = tf.oneHot(index, K);
  const xk = pick(cw, onehot, 0, K);
  const yk = pick(ch, onehot, 0, K);
  return {
    xk,
    yk,
    w: tf.sub(pick(cw, onehot, 1, K), xk),
    h: tf.sub(pick(ch, onehot, 1, K), yk),
    d0: pick(deriv, onehot, 0, K),
    d1: pick(deriv, onehot, 1, K),
  };
};

interface Unpacked {
  readonly bins: number;
  readonly bound: number;
  readonly minSize: number;
  readonly minDerivative: number;
  readonly parametrization: 'floor' | 'zuko';
}

const unpack = (options: SplineOptions): Unpacked => ({
  bins: options.bins ?? 8,
  bound: options.bound ?? 5,
  minSize: options.minBinSize ?? 1e-3,
  minDerivative: options.minDerivative ?? 1e-3,
  parametrization: options.parametrization ?? 'floor',
});

/** Elementwise output and log-derivative of a monotone map. */
export interface ElementwiseResult {
  readonly out: Batch;
  readonly logAbsDeriv: Batch;
  /**
   * The row sum of `logAbsDeriv` when the map computed it anyway (the fused
   * kernels do); layers use it instead of summing, see {@link rowLogDet}.
   */
  readonly logDet?: PerRow;
}

/**
 * A layer's per-row log-det from an elementwise result: `r.logDet` when present,
 * else `Σⱼ logAbsDerivⱼ`.
 *
 * @example
 * ```ts
 * const logDet = rowLogDet(map.forward(x, raw)); // [batch]
 * ```
 */
export const rowLogDet = (r: ElementwiseResult): PerRow =>
  r.logDet ?? (tf.sum(r.logAbsDeriv, 1) as PerRow);

/**
 * Monotone rational-quadratic spline, elementwise (Durkan, Bekasov, Murray &
 * Papamakarios, "Neural Spline Flows", 2019; Gregory & Delbourgo 1982).
 *
 * On `[-B, B]` the map is piecewise rational-quadratic through `K + 1` knots
 * `(xₖ, yₖ)` with positive derivatives `δₖ`; with `s = hₖ/wₖ` and
 * `ξ = (x - xₖ)/wₖ` in bin `k`:
 *
 *   `y = yₖ + hₖ [s ξ² + δₖ ξ(1-ξ)] / [s + (δₖ₊₁ + δₖ - 2s) ξ(1-ξ)]`
 *   `dy/dx = s² [δₖ₊₁ ξ² + 2s ξ(1-ξ) + δₖ (1-ξ)²] / [s + (δₖ₊₁ + δₖ - 2s) ξ(1-ξ)]²`
 *
 * Outside `[-B, B]` it is the identity (boundary derivatives are 1, so the
 * slope is continuous). Out-of-range inputs are clamped *before* the spline
 * branch is evaluated, so neither values nor gradients can become NaN there.
 *
 * `x` is `[batch, dim]`; `raw` is `[batch, dim, 3K - 1]` unconstrained
 * parameters (K widths, K heights, K - 1 interior derivatives; softmax and
 * softplus with floors make them valid). Returns `[batch, dim]` outputs and
 * elementwise `log dy/dx`.
 *
 * @example
 * ```ts
 * const raw = tf.zeros([4, 2, splineParamCount(8)]);
 * const { out, logAbsDeriv } = rationalQuadraticSpline(x, raw, { bins: 8, bound: 5 });
 * ```
 */
export const rationalQuadraticSpline = (
  x: Batch,
  raw: tf.Tensor3D,
  options: SplineOptions = {},
): ElementwiseResult => {
  const p = unpack(options);
  const { bins, bound } = p;
  // Only GreaterEqual among the comparisons has a registered gradient in tfjs 4.22.
  const inside = tf.greaterEqual(bound, tf.abs(x));
  const xc = tf.clipByValue(x, -bound, bound);
  const { xk, yk, w, h, d0, d1 } = locate(xc, raw, bins, bound, p, false);
  const s = tf.div(h, w);
  const xi = tf.clipByValue(tf.div(tf.sub(xc, xk), w), 0, 1);
  const xi1m = tf.mul(xi, tf.sub(1, xi));
  const denom = tf.add(s, tf.mul(tf.sub(tf.add(d1, d0), tf.mul(2, s)), xi1m));
  const numer = tf.mul(h, tf.add(tf.mul(s, tf.square(xi)), tf.mul(d0, xi1m)));
  const y = tf.add(yk, tf.div(numer, denom));
  const dnum = tf.mul(
    tf.square(s),
    tf.add(
      tf.add(tf.mul(d1, tf.square(xi)), tf.mul(tf.mul(2, s), xi1m)),
      tf.mul(d0, tf.square(tf.sub(1, xi))),
    ),
  );
  const logDeriv = tf.sub(tf.log(dnum), tf.mul(2, tf.log(denom)));
  return {
    out: tf.where(inside, y, x) as Batch,
    logAbsDeriv: tf.where(inside, logDeriv, tf.zerosLike(logDeriv)) as Batch,
  };
};

/**
 * Inverse of {@link rationalQuadraticSpline} in closed form: in bin `k`, `ξ`
 * solves `a ξ² + b ξ + c = 0` with
 * `a = hₖ(s - δₖ) + (y - yₖ)(δₖ₊₁ + δₖ - 2s)`, `b = hₖδₖ - (y - yₖ)(δₖ₊₁ + δₖ - 2s)`,
 * `c = -s (y - yₖ)`, taken as the numerically stable root `ξ = 2c / (-b - √(b² - 4ac))`.
 * Returns `x` and elementwise `log dx/dy = -log dy/dx`.
 *
 * @example
 * ```ts
 * const { out: x } = rationalQuadraticSplineInverse(y, raw, { bins: 8, bound: 5 });
 * ```
 */
export const rationalQuadraticSplineInverse = (
  y: Batch,
  raw: tf.Tensor3D,
  options: SplineOptions = {},
): ElementwiseResult => {
  const p = unpack(options);
  const { bins, bound } = p;
  const inside = tf.greaterEqual(bound, tf.abs(y));
  const yc = tf.clipByValue(y, -bound, bound);
  const { xk, yk, w, h, d0, d1 } = locate(yc, raw, bins, bound, p, true);
  const s = tf.div(h, w);
  const dy = tf.sub(yc, yk);
  const sum = tf.sub(tf.add(d1, d0), tf.mul(2, s));
  const a = tf.add(tf.mul(h, tf.sub(s, d0)), tf.mul(dy, sum));
  const b = tf.sub(tf.mul(h, d0), tf.mul(dy, sum));
  const c = tf.mul(tf.neg(s), dy);
  const disc = tf.relu(tf.sub(tf.square(b), tf.mul(4, tf.mul(a, c))));
  const xi = tf.clipByValue(tf.div(tf.mul(2, c), tf.sub(tf.neg(b), tf.sqrt(disc))), 0, 1);
  const x = tf.add(tf.mul(xi, w), xk);
  const xi1m = tf.mul(xi, tf.sub(1, xi));
  const denom = tf.add(s, tf.mul(sum, xi1m));
  const dnum = tf.mul(
    tf.square(s),
    tf.add(
      tf.add(tf.mul(d1, tf.square(xi)), tf.mul(tf.mul(2, s), xi1m)),
      tf.mul(d0, tf.square(tf.sub(1, xi))),
    ),
  );
  const logDeriv = tf.sub(tf.mul(2, tf.log(denom)), tf.log(dnum));
  return {
    out: tf.where(inside, x, y) as Batch,
    logAbsDeriv: tf.where(inside, logDeriv, tf.zerosLike(logDeriv)) as Batch,
  };
};
