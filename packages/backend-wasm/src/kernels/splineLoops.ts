import type { FusedSplineAttrs } from '@bijective/core/backend';

/**
 * The rational-quadratic spline (Durkan, Bekasov, Murray & Papamakarios,
 * "Neural Spline Flows", 2019) as plain loops over Float32Arrays: the maths of
 * core's `rationalQuadraticSpline` / `rationalQuadraticSplineInverse` (see
 * there for the formulas) one coordinate at a time, so a backend can run the
 * whole element map, and its gradient, as one kernel (core's `FUSED_SPLINE`,
 * `FUSED_SPLINE_GRAD`). Arithmetic is in double and rounded on store, so the
 * results equal the composite float32 ops within float32 rounding.
 *
 * Layout: `x` `[rows, dim]`, `raw` `[rows, dim, 3K - 1]` (K widths, K heights,
 * K - 1 interior derivatives), row-major.
 */

/** Scratch for one coordinate: knots, derivatives and the bin sizes they came from. */
interface Knots {
  readonly cw: Float64Array; // K + 1 x-knots
  readonly ch: Float64Array; // K + 1 y-knots
  readonly d: Float64Array; // K + 1 derivatives (1 at both ends)
  readonly sw: Float64Array; // K softmax outputs of the widths
  readonly sh: Float64Array; // K softmax outputs of the heights
}

const newKnots = (bins: number): Knots => ({
  cw: new Float64Array(bins + 1),
  ch: new Float64Array(bins + 1),
  d: new Float64Array(bins + 1),
  sw: new Float64Array(bins),
  sh: new Float64Array(bins),
});

/** zuko's soft clamp `a / (1 + |a| / c)`. */
const softClamp = (a: number, c: number): number => a / (1 + Math.abs(a) / c);
/** Its derivative `1 / (1 + |a| / c)²`. */
const softClampGrad = (a: number, c: number): number => {
  const t = 1 + Math.abs(a) / c;
  return 1 / (t * t);
};
const softplus = (r: number): number => Math.max(r, 0) + Math.log1p(Math.exp(-Math.abs(r)));
const sigmoid = (r: number): number => 1 / (1 + Math.exp(-r));

/** Softmax of `raw[at .. at+K)` (soft-clamped first for zuko) into `sm`, knots into `edges`. */
const knotsOf = (
  raw: Float32Array,
  at: number,
  a: FusedSplineAttrs,
  sm: Float64Array,
  edges: Float64Array,
): void => {
  const K = a.bins;
  const half = -Math.log(a.minDerivative) / 2;
  let max = -Infinity;
  for (let i = 0; i < K; i++) {
    const v = a.zuko ? softClamp(raw[at + i]!, half) : raw[at + i]!;
    sm[i] = v;
    if (v > max) max = v;
  }
  let sum = 0;
  for (let i = 0; i < K; i++) {
    const e = Math.exp(sm[i]! - max);
    sm[i] = e;
    sum += e;
  }
  for (let i = 0; i < K; i++) sm[i] = sm[i]! / sum;
  const scale = a.zuko ? 1 : 1 - a.minBinSize * K;
  const floor = a.zuko ? 0 : a.minBinSize;
  edges[0] = -a.bound;
  let cum = 0;
  for (let j = 1; j < K; j++) {
    cum += floor + scale * sm[j - 1]!;
    edges[j] = 2 * a.bound * cum - a.bound;
  }
  edges[K] = a.bound;
};

const fillKnots = (raw: Float32Array, at: number, a: FusedSplineAttrs, k: Knots): void => {
  const K = a.bins;
  knotsOf(raw, at, a, k.sw, k.cw);
  knotsOf(raw, at + K, a, k.sh, k.ch);
  const L = -Math.log(a.minDerivative);
  k.d[0] = 1;
  k.d[K] = 1;
  for (let j = 1; j < K; j++) {
    const r = raw[at + 2 * K + j - 1]!;
    k.d[j] = a.zuko ? Math.exp(softClamp(r, L)) : a.minDerivative + softplus(r);
  }
};

/** Bin of `v`: the number of interior knots `≤ v`. */
const binOf = (edges: Float64Array, K: number, v: number): number => {
  let k = 0;
  for (let j = 1; j < K; j++) if (v >= edges[j]!) k = j;
  return k;
};

const clip01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

/**
 * Forward (or, with `attrs.inverse`, inverse) spline: `out`, elementwise
 * `lad = log|∂out/∂in|` and the row sums `logDet`. Inputs with `|v| > bound`
 * pass through with `lad = 0`.
 *
 * @example
 * ```ts
 * splineLoop(x, raw, 4, 2, attrs, out, lad, logDet);
 * ```
 */
export const splineLoop = (
  x: Float32Array,
  raw: Float32Array,
  rows: number,
  dim: number,
  attrs: FusedSplineAttrs,
  out: Float32Array,
  lad: Float32Array,
  logDet: Float32Array,
): void => {
  const K = attrs.bins;
  const B = attrs.bound;
  const P = 3 * K - 1;
  const kn = newKnots(K);
  for (let r = 0; r < rows; r++) {
    let rowSum = 0;
    for (let c = 0; c < dim; c++) {
      const i = r * dim + c;
      const v = x[i]!;
      if (!(Math.abs(v) <= B)) {
        out[i] = v;
        lad[i] = 0;
        continue;
      }
      fillKnots(raw, i * P, attrs, kn);
      const k = binOf(attrs.inverse ? kn.ch : kn.cw, K, v);
      const xk = kn.cw[k]!;
      const w = kn.cw[k + 1]! - xk;
      const yk = kn.ch[k]!;
      const h = kn.ch[k + 1]! - yk;
      const d0 = kn.d[k]!;
      const d1 = kn.d[k + 1]!;
      const s = h / w;
      const sum = d1 + d0 - 2 * s;
      let xi: number;
      let o: number;
      if (attrs.inverse) {
        const dy = v - yk;
        const qa = h * (s - d0) + dy * sum;
        const qb = h * d0 - dy * sum;
        const qc = -s * dy;
        const disc = Math.max(qb * qb - 4 * qa * qc, 0);
        xi = clip01((2 * qc) / (-qb - Math.sqrt(disc)));
        o = xi * w + xk;
      } else {
        xi = clip01((v - xk) / w);
        const xi1m = xi * (1 - xi);
        o = yk + (h * (s * xi * xi + d0 * xi1m)) / (s + sum * xi1m);
      }
      const om = 1 - xi;
      const xi1m = xi * om;
      const denom = s + sum * xi1m;
      const dnum = s * s * (d1 * xi * xi + 2 * s * xi1m + d0 * om * om);
      const l = Math.log(dnum) - 2 * Math.log(denom);
      out[i] = o;
      lad[i] = attrs.inverse ? -l : l;
      rowSum += lad[i]!;
    }
    logDet[r] = rowSum;
  }
};

/** Cotangents of the knots picked by one coordinate, pushed back to its raw parameters. */
const knotsBackward = (
  a: FusedSplineAttrs,
  sm: Float64Array,
  k: number,
  gLeft: number,
  gRight: number,
  dRaw: Float32Array,
  at: number,
  raw: Float32Array,
  gSize: Float64Array,
): void => {
  // edges[j] = 2B·Σ_{i<j} size_i - B for 1 ≤ j ≤ K-1 (edges 0 and K are constants).
  const K = a.bins;
  const gEdge = (j: number): number => (j === k ? gLeft : j === k + 1 ? gRight : 0);
  gSize[K - 1] = 0;
  let acc = 0;
  for (let l = K - 2; l >= 0; l--) {
    acc += j1(gEdge, l + 1, K);
    gSize[l] = 2 * a.bound * acc;
  }
  // size = floor + scale · softmax(u): softmax backward, then (zuko) the soft clamp.
  const scale = a.zuko ? 1 : 1 - a.minBinSize * K;
  let dot = 0;
  for (let l = 0; l < K; l++) dot += sm[l]! * scale * gSize[l]!;
  const half = -Math.log(a.minDerivative) / 2;
  for (let l = 0; l < K; l++) {
    const g = sm[l]! * (scale * gSize[l]! - dot);
    dRaw[at + l] = a.zuko ? g * softClampGrad(raw[at + l]!, half) : g;
  }
};

/** `g(j)` for an interior edge index `j`, else 0. */
const j1 = (g: (j: number) => number, j: number, K: number): number =>
  j >= 1 && j <= K - 1 ? g(j) : 0;

/**
 * Gradient of {@link splineLoop}: given the cotangents `dOut`, `dLad`, `dLogDet`
 * (null = zero), writes `dx` `[rows, dim]` and `dRaw` `[rows, dim, 3K - 1]`,
 * as the composite ops' autodiff gives them (bins fixed; clamps pass the
 * gradient inside their closed range).
 *
 * @example
 * ```ts
 * splineGradLoop(x, raw, dOut, null, null, 4, 2, attrs, dx, dRaw);
 * ```
 */
export const splineGradLoop = (
  x: Float32Array,
  raw: Float32Array,
  dOut: Float32Array | null,
  dLad: Float32Array | null,
  dLogDet: Float32Array | null,
  rows: number,
  dim: number,
  attrs: FusedSplineAttrs,
  dx: Float32Array,
  dRaw: Float32Array,
): void => {
  const K = attrs.bins;
  const B = attrs.bound;
  const P = 3 * K - 1;
  const kn = newKnots(K);
  const gSize = new Float64Array(K);
  dRaw.fill(0);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < dim; c++) {
      const i = r * dim + c;
      const v = x[i]!;
      const gOut = dOut === null ? 0 : dOut[i]!;
      if (!(Math.abs(v) <= B)) {
        dx[i] = gOut;
        continue;
      }
      // The log-derivative the composite returns is l (forward) or -l (inverse).
      const gLad = (dLad === null ? 0 : dLad[i]!) + (dLogDet === null ? 0 : dLogDet[r]!);
      const at = i * P;
      fillKnots(raw, at, attrs, kn);
      const k = binOf(attrs.inverse ? kn.ch : kn.cw, K, v);
      const xk = kn.cw[k]!;
      const w = kn.cw[k + 1]! - xk;
      const yk = kn.ch[k]!;
      const h = kn.ch[k + 1]! - yk;
      const d0 = kn.d[k]!;
      const d1 = kn.d[k + 1]!;
      const s = h / w;
      const sum = d1 + d0 - 2 * s;
      let gxk = 0;
      let gw = 0;
      let gyk = 0;
      let gh = 0;
      let gd0 = 0;
      let gd1 = 0;
      let gs = 0;
      let gsum = 0;
      let gv = 0;
      if (attrs.inverse) {
        const dy = v - yk;
        const qa = h * (s - d0) + dy * sum;
        const qb = h * d0 - dy * sum;
        const qc = -s * dy;
        const discRaw = qb * qb - 4 * qa * qc;
        const disc = Math.max(discRaw, 0);
        const root = Math.sqrt(disc);
        const q = -qb - root;
        const xi0 = (2 * qc) / q;
        const xi = clip01(xi0);
        const om = 1 - xi;
        const xi1m = xi * om;
        const denom = s + sum * xi1m;
        const P2 = d1 * xi * xi + 2 * s * xi1m + d0 * om * om;
        const dnum = s * s * P2;
        // x = xi·w + xk; lad = 2 log denom - log dnum.
        let gxi = gOut * w;
        gw += gOut * xi;
        gxk += gOut;
        const gDenom = (2 * gLad) / denom;
        const gDnum = -gLad / dnum;
        gs += gDnum * 2 * s * P2;
        const gP = gDnum * s * s;
        gd1 += gP * xi * xi;
        const gxi2 = gP * d1;
        gs += gP * 2 * xi1m;
        let gxi1m = gP * 2 * s;
        gd0 += gP * om * om;
        let gom = gP * d0 * 2 * om;
        gs += gDenom;
        gsum += gDenom * xi1m;
        gxi1m += gDenom * sum;
        gxi += 2 * xi * gxi2;
        gxi += gxi1m * om;
        gom += gxi1m * xi;
        gxi -= gom;
        const gxi0 = xi0 >= 0 && xi0 <= 1 ? gxi : 0;
        let gc = (gxi0 * 2) / q;
        const gq = (-gxi0 * 2 * qc) / (q * q);
        let gb = -gq;
        const gRoot = -gq;
        const gDisc = gRoot / (2 * root);
        const gDiscRaw = discRaw > 0 ? gDisc : 0;
        gb += 2 * qb * gDiscRaw;
        const ga = -4 * qc * gDiscRaw;
        gc += -4 * qa * gDiscRaw;
        gs += -dy * gc;
        let gdy = -s * gc;
        gh += d0 * gb;
        gd0 += h * gb;
        gdy -= sum * gb;
        gsum -= dy * gb;
        gh += (s - d0) * ga;
        gs += h * ga;
        gd0 -= h * ga;
        gdy += sum * ga;
        gsum += dy * ga;
        gv += gdy;
        gyk -= gdy;
      } else {
        const t1 = v - xk;
        const xi0 = t1 / w;
        const xi = clip01(xi0);
        const om = 1 - xi;
        const xi1m = xi * om;
        const denom = s + sum * xi1m;
        const N = s * xi * xi + d0 * xi1m;
        const numer = h * N;
        const P2 = d1 * xi * xi + 2 * s * xi1m + d0 * om * om;
        const dnum = s * s * P2;
        const gNumer = gOut / denom;
        const gDenom = (-gOut * numer) / (denom * denom) - (2 * gLad) / denom;
        gyk += gOut;
        const gDnum = gLad / dnum;
        gs += gDnum * 2 * s * P2;
        const gP = gDnum * s * s;
        gd1 += gP * xi * xi;
        let gxi2 = gP * d1;
        gs += gP * 2 * xi1m;
        let gxi1m = gP * 2 * s;
        gd0 += gP * om * om;
        let gom = gP * d0 * 2 * om;
        gh += gNumer * N;
        const gN = gNumer * h;
        gs += gN * xi * xi;
        gxi2 += gN * s;
        gd0 += gN * xi1m;
        gxi1m += gN * d0;
        gs += gDenom;
        gsum += gDenom * xi1m;
        gxi1m += gDenom * sum;
        let gxi = 2 * xi * gxi2;
        gxi += gxi1m * om;
        gom += gxi1m * xi;
        gxi -= gom;
        const gxi0 = xi0 >= 0 && xi0 <= 1 ? gxi : 0;
        const gt1 = gxi0 / w;
        gw -= (gxi0 * t1) / (w * w);
        gv += gt1;
        gxk -= gt1;
      }
      // sum = d1 + d0 - 2s; s = h / w.
      gd1 += gsum;
      gd0 += gsum;
      gs -= 2 * gsum;
      gh += gs / w;
      gw -= (gs * h) / (w * w);
      dx[i] = gv;
      // xk = cw[k], w = cw[k+1] - cw[k]; likewise yk, h from ch.
      knotsBackward(attrs, kn.sw, k, gxk - gw, gw, dRaw, at, raw, gSize);
      knotsBackward(attrs, kn.sh, k, gyk - gh, gh, dRaw, at + K, raw, gSize);
      const L = -Math.log(attrs.minDerivative);
      const derivGrad = (j: number, g: number): void => {
        if (j < 1 || j > K - 1) return;
        const rr = raw[at + 2 * K + j - 1]!;
        const local = attrs.zuko ? Math.exp(softClamp(rr, L)) * softClampGrad(rr, L) : sigmoid(rr);
        dRaw[at + 2 * K + j - 1] = dRaw[at + 2 * K + j - 1]! + g * local;
      };
      derivGrad(k, gd0);
      derivGrad(k + 1, gd1);
    }
  }
};
