import { tf } from '@bijective/core';
import { tfSeed } from '@bijective/core/params';

/** How `tr(∂f/∂z)` is computed: exactly (`dim` vector-Jacobian products) or by Hutchinson's estimator (one). */
export type TraceMethod = 'exact' | 'hutchinson';

/** The distribution of Hutchinson's probe `ε` (both have `E[εεᵀ] = I`). */
export type ProbeKind = 'gaussian' | 'rademacher';

/** A vector field evaluated at `z` together with its divergence `tr(∂f/∂z)` per row. */
export interface FieldAndDivergence {
  /** `f(z)`, `[batch, dim]`. */
  readonly value: tf.Tensor2D;
  /** `tr(∂f/∂z)` per row, `[batch]` (exact, or an unbiased estimate). */
  readonly divergence: tf.Tensor1D;
  /**
   * `‖∂f/∂z‖²_F` per row, `[batch]`, when asked for (`frobenius = true`):
   * exact from the `dim` products of the exact trace, or Hutchinson's unbiased
   * `‖εᵀ ∂f/∂z‖²` from the same probe (`E[εεᵀ] = I`). Free given the products.
   */
  readonly frobenius?: tf.Tensor1D;
}

/**
 * A row-wise map `[batch, dim]` → `[batch, dim]` with an optional per-row
 * context `[batch, contextDim]`. Rows must be independent: row `r` of the
 * output depends only on row `r` of `z` and of `context`.
 */
export type RowMap = (z: tf.Tensor2D, context?: tf.Tensor2D) => tf.Tensor2D;

/**
 * `f(z)` and the vector-Jacobian product `vᵀ ∂f/∂z` in one forward and one
 * backward pass (rows are independent, so a `[batch, dim]` `v` gives one
 * product per row). Works under an enclosing gradient tape, so the result is
 * itself differentiable (double backpropagation). Backed by the public
 * `tf.engine().gradients`, the one tfjs entry point that returns a
 * non-scalar function's value together with its vector-Jacobian product.
 *
 * @example
 * ```ts
 * const { value, vjp } = valueAndVjp((z) => tf.mul(z, z) as tf.Tensor2D, z, tf.onesLike(z)); // vjp = 2z
 * ```
 */
export const valueAndVjp = (
  f: RowMap,
  z: tf.Tensor2D,
  v: tf.Tensor2D,
  context?: tf.Tensor2D,
): { value: tf.Tensor2D; vjp: tf.Tensor2D } => {
  const { value, grads } = tf.engine().gradients(() => f(z, context), [z], v, true);
  // A field that ignores z (a constant) has a zero Jacobian.
  return { value, vjp: (grads[0] ?? tf.zerosLike(z)) as tf.Tensor2D };
};

/**
 * The exact divergence `tr(∂f/∂z) = Σᵢ eᵢᵀ (∂f/∂z) eᵢ` per row from `dim`
 * vector-Jacobian products with the basis vectors `eᵢ` (Chen et al., "Neural
 * Ordinary Differential Equations", 2018). The `dim` products run as one
 * batched pass: the rows are tiled `dim` times (`[dim·batch, dim]`, block `i`
 * probed with `eᵢ`), so the cost is one forward and one backward pass on a
 * `dim`-times larger batch. Differentiable to second order when `f` is built
 * from second-order-safe operations (see `safeTanh`). With `frobenius`, the
 * products (the rows `eᵢᵀ ∂f/∂z` of the Jacobian) also give the exact
 * `‖∂f/∂z‖²_F = Σᵢ ‖eᵢᵀ ∂f/∂z‖²` per row.
 *
 * @example
 * ```ts
 * const A = tf.tensor2d([[1, 2], [3, 4]]);
 * const { value, divergence } = exactDivergence((z) => tf.matMul(z, A, false, true) as tf.Tensor2D, z);
 * // divergence = tr A = 5 on every row
 * ```
 */
export const exactDivergence = (
  f: RowMap,
  z: tf.Tensor2D,
  context?: tf.Tensor2D,
  frobenius = false,
): FieldAndDivergence => {
  const [batch, dim] = z.shape;
  if (dim === 1) {
    const r = valueAndVjp(f, z, tf.onesLike(z), context);
    const d = tf.reshape(r.vjp, [batch]) as tf.Tensor1D;
    return { value: r.value, divergence: d, ...(frobenius ? { frobenius: tf.square(d) } : {}) };
  }
  const zt = tf.tile(z, [dim, 1]) as tf.Tensor2D;
  const ct = context === undefined ? undefined : (tf.tile(context, [dim, 1]) as tf.Tensor2D);
  // Block i (rows i·batch … (i+1)·batch - 1) is probed with eᵢ.
  const e = tf.reshape(tf.tile(tf.expandDims(tf.eye(dim), 1), [1, batch, 1]), [
    dim * batch,
    dim,
  ]) as tf.Tensor2D;
  const r = valueAndVjp(f, zt, e, ct);
  const diagonal = tf.sum(tf.reshape(tf.sum(tf.mul(r.vjp, e), 1), [dim, batch]), 0) as tf.Tensor1D;
  const value = tf.slice(r.value, [0, 0], [batch, dim]) as tf.Tensor2D;
  if (!frobenius) return { value, divergence: diagonal };
  const squares = tf.sum(tf.reshape(tf.sum(tf.square(r.vjp), 1), [dim, batch]), 0) as tf.Tensor1D;
  return { value, divergence: diagonal, frobenius: squares };
};

/**
 * Hutchinson's unbiased trace estimator, `tr(∂f/∂z) ≈ εᵀ (∂f/∂z) ε` with
 * `E[εεᵀ] = I` (Hutchinson 1989), as used by FFJORD (Grathwohl et al. 2019):
 * one vector-Jacobian product per row instead of `dim`. `probe` is
 * `[batch, dim]` and must stay fixed during one ODE solve, so the integrated
 * estimate is an unbiased estimate of the integrated trace. With
 * `frobenius`, the same product gives `‖εᵀ ∂f/∂z‖²`, an unbiased estimate of
 * `‖∂f/∂z‖²_F` (Finlay et al. 2020).
 *
 * @example
 * ```ts
 * const eps = drawProbe('rademacher', [batch, dim], 0);
 * const { divergence } = hutchinsonDivergence(f, z, eps);
 * ```
 */
export const hutchinsonDivergence = (
  f: RowMap,
  z: tf.Tensor2D,
  probe: tf.Tensor2D,
  context?: tf.Tensor2D,
  frobenius = false,
): FieldAndDivergence => {
  const { value, vjp } = valueAndVjp(f, z, probe, context);
  const divergence = tf.sum(tf.mul(vjp, probe), 1) as tf.Tensor1D;
  return frobenius
    ? { value, divergence, frobenius: tf.sum(tf.square(vjp), 1) as tf.Tensor1D }
    : { value, divergence };
};

/**
 * A Hutchinson probe `[batch, dim]`: standard Gaussian entries, or Rademacher
 * entries `±1` with probability ½ each. With `S = (J + Jᵀ)/2`, the estimator's
 * variance is `2‖S‖²_F` for Gaussian probes and `2(‖S‖²_F - Σᵢ Sᵢᵢ²)` for
 * Rademacher ones (never larger). Seeded when `seed` is given.
 *
 * @example
 * ```ts
 * const eps = drawProbe('gaussian', [128, 2], 7);
 * ```
 */
export const drawProbe = (
  kind: ProbeKind,
  shape: readonly [number, number],
  seed?: number,
): tf.Tensor2D =>
  tf.tidy(() =>
    kind === 'gaussian'
      ? (tf.randomNormal([...shape], 0, 1, 'float32', tfSeed(seed)) as tf.Tensor2D)
      : (tf.sub(
          tf.mul(
            2,
            tf.cast(
              tf.greaterEqual(tf.randomUniform([...shape], 0, 1, 'float32', tfSeed(seed)), 0.5),
              'float32',
            ),
          ),
          1,
        ) as tf.Tensor2D),
  );

/**
 * The divergence by the chosen method: exact, or Hutchinson's with `probe`
 * (and, with `frobenius`, the squared Frobenius norm of the Jacobian by the same method).
 *
 * @example
 * ```ts
 * const r = divergence((z, c) => field(t, z, c), z, 'hutchinson', eps, context);
 * ```
 */
export const divergence = (
  f: RowMap,
  z: tf.Tensor2D,
  method: TraceMethod,
  probe?: tf.Tensor2D,
  context?: tf.Tensor2D,
  frobenius = false,
): FieldAndDivergence => {
  if (method === 'exact') return exactDivergence(f, z, context, frobenius);
  if (probe === undefined) throw new Error('hutchinson divergence needs a probe');
  return hutchinsonDivergence(f, z, probe, context, frobenius);
};
