import type { FusedAffineAttrs } from '@bijective/core/backend';

/**
 * The affine element map with zuko's soft-clamped log-scale (core's `affineMap`,
 * zuko 1.x `MonotonicAffineTransform`) as plain loops over Float32Arrays, for a
 * backend's `FUSED_AFFINE` / `FUSED_AFFINE_GRAD` kernels. With `raw[i] = (shift, a)`
 * and `s = a / (1 + |a| / bound)`:
 *
 *   forward `out = x·eˢ + shift`, `lad = s`;  inverse `out = (x - shift)·e⁻ˢ`, `lad = -s`,
 *
 * and `logDet[r] = Σ_c lad[r, c]`. Double arithmetic, rounded on store.
 *
 * @example
 * ```ts
 * affineLoop(x, raw, rows, dim, { bound: 6.9078, inverse: false }, out, lad, logDet);
 * ```
 */
export const affineLoop = (
  x: Float32Array,
  raw: Float32Array,
  rows: number,
  dim: number,
  attrs: FusedAffineAttrs,
  out: Float32Array,
  lad: Float32Array,
  logDet: Float32Array,
): void => {
  const c = attrs.bound;
  for (let r = 0; r < rows; r++) {
    let rowSum = 0;
    for (let j = 0; j < dim; j++) {
      const i = r * dim + j;
      const shift = raw[2 * i]!;
      const a = raw[2 * i + 1]!;
      const s = a / (1 + Math.abs(a) / c);
      if (attrs.inverse) {
        out[i] = (x[i]! - shift) * Math.exp(-s);
        lad[i] = -s;
      } else {
        out[i] = x[i]! * Math.exp(s) + shift;
        lad[i] = s;
      }
      rowSum += lad[i]!;
    }
    logDet[r] = rowSum;
  }
};

/**
 * Gradient of {@link affineLoop} from the cotangents `dOut`, `dLad`, `dLogDet`
 * (null = zero): `dx` `[rows, dim]` and `dRaw` `[rows, dim, 2]`, using
 * `∂s/∂a = 1 / (1 + |a| / bound)²`.
 *
 * @example
 * ```ts
 * affineGradLoop(x, raw, dOut, null, dLogDet, rows, dim, attrs, dx, dRaw);
 * ```
 */
export const affineGradLoop = (
  x: Float32Array,
  raw: Float32Array,
  dOut: Float32Array | null,
  dLad: Float32Array | null,
  dLogDet: Float32Array | null,
  rows: number,
  dim: number,
  attrs: FusedAffineAttrs,
  dx: Float32Array,
  dRaw: Float32Array,
): void => {
  const c = attrs.bound;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < dim; j++) {
      const i = r * dim + j;
      const shift = raw[2 * i]!;
      const a = raw[2 * i + 1]!;
      const t = 1 + Math.abs(a) / c;
      const s = a / t;
      const gOut = dOut === null ? 0 : dOut[i]!;
      const gLad = (dLad === null ? 0 : dLad[i]!) + (dLogDet === null ? 0 : dLogDet[r]!);
      let gs: number;
      if (attrs.inverse) {
        const e = Math.exp(-s);
        const u = x[i]! - shift;
        dx[i] = gOut * e;
        dRaw[2 * i] = -gOut * e;
        gs = -gOut * u * e - gLad;
      } else {
        const e = Math.exp(s);
        dx[i] = gOut * e;
        dRaw[2 * i] = gOut;
        gs = gOut * x[i]! * e + gLad;
      }
      dRaw[2 * i + 1] = gs / (t * t);
    }
  }
};
