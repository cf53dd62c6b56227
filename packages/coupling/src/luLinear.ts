import { type Batch, type PerRow, type TransformDef, tf, valueError } from '@bijective/core';
import { selectColumns, selectEntries } from '@bijective/core/transforms';
import { randomPermutationIndices } from '@bijective/core/params';
import { lowerTriangularInverse } from './triangular.js';

/**
 * Parameters of {@link luLinear}: the strictly lower entries of `L` and the
 * strictly upper entries of `U` (each `[d(d-1)/2]`, row-major) and
 * `log|diag U|` (`[d]`).
 */
export type LuLinearParams = {
  readonly lower: tf.Tensor1D;
  readonly upper: tf.Tensor1D;
  readonly logDiag: tf.Tensor1D;
};

/** Options of {@link luLinear}. */
export interface LuLinearOptions {
  readonly dim: number;
  /** Seeds the fixed permutation `P` (default 0). */
  readonly seed?: number;
  /** The fixed signs of `diag U`, each `1` or `-1` (default all `1`). */
  readonly signs?: readonly number[];
}

/**
 * Index maps that scatter the packed parameters into `[d, d]` row-major:
 * `lowerIndex` into `[0, 1, ...lower]` (unit diagonal), `upperIndex` into
 * `[0, ...upper]` (diagonal added separately).
 */
const triangleIndices = (d: number): { lowerIndex: number[]; upperIndex: number[] } => {
  const lowerIndex: number[] = [];
  const upperIndex: number[] = [];
  let kl = 0;
  let ku = 0;
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      lowerIndex.push(j < i ? 2 + kl++ : j === i ? 1 : 0);
      upperIndex.push(j > i ? 1 + ku++ : 0);
    }
  return { lowerIndex, upperIndex };
};

/**
 * An invertible linear map with an LU parametrisation — Glow's invertible
 * 1x1 convolution for vectors (Kingma & Dhariwal, "Glow", 2018):
 *
 *   `W = P L U`,  `U = triu(upper) + diag(sign ⊙ exp(logDiag))`,  `L = I + tril(lower)`
 *   forward (data → base): `y = W x`,  `log|det J| = Σ logDiag`
 *   inverse (base → data): `x = U⁻¹ L⁻¹ Pᵀ y`,  `log|det J| = -Σ logDiag`
 *
 * `P` (a seeded random permutation) and `sign` are fixed in the closure;
 * `lower`, `upper` and `logDiag` are trained. It starts at `W = P` (a
 * permutation, volume preserving). The log-det costs `O(d)`; the forward
 * direction is one `[batch, d] × [d, d]` matMul; the inverse first inverts
 * the two triangular factors by substitution ({@link lowerTriangularInverse},
 * `d` small sequential steps independent of the batch, differentiable), then
 * is one matMul — so forward is the faster direction, by a margin that
 * shrinks with the batch size. Unconditional. Shapes: `[batch, d]`,
 * log-det `[batch]`.
 *
 * @throws `BijectiveError` (ValueError) for `dim < 1` or invalid signs.
 * @example
 * ```ts
 * const t = luLinear({ dim: 4, seed: 1 });
 * const b = t.apply(t.init(0));
 * const { y, logDet } = tf.tidy(() => b.forward(x)); // x [n, 4]; logDet = Σ logDiag
 * ```
 */
export const luLinear = (options: LuLinearOptions): TransformDef<LuLinearParams> => {
  const d = options.dim;
  if (!(Number.isInteger(d) && d >= 1))
    throw valueError('options.dim', 'a positive integer', String(d));
  const signs = options.signs ?? new Array<number>(d).fill(1);
  if (signs.length !== d || !signs.every((s) => s === 1 || s === -1))
    throw valueError('options.signs', `${d} values, each 1 or -1`, `[${signs.join(', ')}]`);
  const perm = randomPermutationIndices(d, options.seed ?? 0);
  const invPerm = new Array<number>(d);
  perm.forEach((p, i) => (invPerm[p] = i));
  const { lowerIndex, upperIndex } = triangleIndices(d);
  const packed = (d * (d - 1)) / 2;

  const factors = ({ lower, upper, logDiag }: LuLinearParams) => {
    const l = tf.reshape(
      selectEntries(tf.concat([tf.tensor1d([0, 1]), lower]) as tf.Tensor1D, lowerIndex),
      [d, d],
    );
    const strictUpper = tf.reshape(
      selectEntries(tf.concat([tf.tensor1d([0]), upper]) as tf.Tensor1D, upperIndex),
      [d, d],
    );
    const diag = tf.mul(tf.tensor1d(signs as number[]), tf.exp(logDiag));
    const u = tf.add(strictUpper, tf.mul(tf.eye(d), diag));
    return { l: l as tf.Tensor2D, u: u as tf.Tensor2D };
  };
  const columns = (x: Batch, idx: readonly number[]): Batch => selectColumns(x, idx);
  const logDetRows = (logDiag: tf.Tensor1D, n: number, sign: 1 | -1) =>
    tf.mul(tf.mul(sign, tf.sum(logDiag)), tf.ones([n])) as PerRow;

  return {
    init: () => ({ lower: tf.zeros([packed]), upper: tf.zeros([packed]), logDiag: tf.zeros([d]) }),
    apply: (params) => ({
      forward: (x) => {
        const { l, u } = factors(params);
        // Rows: yᵀ = xᵀ Uᵀ Lᵀ Pᵀ, and right-multiplying by Pᵀ gathers columns by perm.
        const y = columns(tf.matMul(x, tf.transpose(tf.matMul(l, u))), perm);
        return { y, logDet: logDetRows(params.logDiag, x.shape[0], 1) };
      },
      inverse: (y) => {
        const { l, u } = factors(params);
        // Rows: xᵀ = yᵀ P L⁻ᵀ U⁻ᵀ, with U⁻ᵀ = (Uᵀ)⁻¹ lower triangular.
        const m = tf.matMul(
          tf.transpose(lowerTriangularInverse(l)),
          lowerTriangularInverse(tf.transpose(u)),
        );
        const x = tf.matMul(columns(y, invPerm), m) as Batch;
        return { x, logDet: logDetRows(params.logDiag, y.shape[0], -1) };
      },
    }),
  };
};
