const f = Math.fround;

/** Adam's constants as float32 numbers, as tfjs scalars round them. */
export interface AdamLoopConstants {
  readonly beta1: number;
  readonly beta2: number;
  readonly stepSize: number;
  readonly epsHat: number;
}

/**
 * One Adam step over one parameter tensor (Kingma & Ba 2015, bias correction
 * folded into `stepSize` and `epsHat` as in core's `adamStep`), in float32
 * (every operation rounded with `Math.fround`) in the order of the composite
 * tfjs ops: `m' = β₁m + (1-β₁)g`, `v' = β₂v + (1-β₂)g²`,
 * `p' = p - stepSize · (m' / (√v' + ε̂))`.
 *
 * @example
 * ```ts
 * adamLoop(p, m, v, g, { beta1: 0.9, beta2: 0.999, stepSize: 1e-3, epsHat: 1e-8 }, pOut, mOut, vOut);
 * ```
 */
export const adamLoop = (
  p: Float32Array,
  m: Float32Array,
  v: Float32Array,
  g: Float32Array,
  c: AdamLoopConstants,
  pOut: Float32Array,
  mOut: Float32Array,
  vOut: Float32Array,
): void => {
  const b1 = f(c.beta1);
  const oneB1 = f(1 - c.beta1);
  const b2 = f(c.beta2);
  const oneB2 = f(1 - c.beta2);
  const step = f(c.stepSize);
  const eps = f(c.epsHat);
  for (let i = 0; i < p.length; i++) {
    const gi = g[i]!;
    const mi = f(f(b1 * m[i]!) + f(oneB1 * gi));
    const vi = f(f(b2 * v[i]!) + f(oneB2 * f(gi * gi)));
    mOut[i] = mi;
    vOut[i] = vi;
    pOut[i] = f(p[i]! - f(step * f(mi / f(f(Math.sqrt(vi)) + eps))));
  }
};

/**
 * `Σ x²` of one tensor accumulated in double (core's `SQUARED_NORM` sums these over tensors).
 *
 * @example
 * ```ts
 * sumSquaresLoop(Float32Array.of(3, 4)); // 25
 * ```
 */
export const sumSquaresLoop = (x: Float32Array | Int32Array | Uint8Array): number => {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return s;
};
