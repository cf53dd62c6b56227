import type { tf } from './tf.js';

/** A batch of row vectors, shaped `[batch, dim]`. */
export type Batch = tf.Tensor2D;
/** One scalar per row of a batch, shaped `[batch]`. */
export type PerRow = tf.Tensor1D;

/** Result of the normalizing direction: data `x` to base `y`. */
export interface ForwardResult {
  readonly y: Batch;
  /** `log |det ∂y/∂x|`, one value per row. */
  readonly logDet: PerRow;
}

/** Result of the generative direction: base `y` to data `x`. */
export interface InverseResult {
  readonly x: Batch;
  /** `log |det ∂x/∂y|`, one value per row; equals minus the forward log-det at the same point. */
  readonly logDet: PerRow;
}

/**
 * An invertible map with a tractable log-determinant.
 *
 * **Direction convention (everywhere in bijective):** `forward` is the
 * *normalizing* direction, data `x` → base `y` (zuko's and nflows'
 * convention; TFP and FlowJAX use the opposite one). A flow's density is
 *
 *   `log p(x) = log p_base(forward(x).y) + forward(x).logDet`
 *
 * and sampling runs `inverse` on base draws.
 *
 * Both functions are pure tensor functions: they allocate intermediates and
 * expect to be called inside `tf.tidy` (every public entry point of the
 * library does that). `context`, when the bijection is conditional, is a
 * `[batch, contextDim]` tensor with one context row per data row.
 *
 * @example
 * ```ts
 * const b = compose(affine({ shift: [1, 2], scale: [2, 3] }), exp());
 * const { y, logDet } = tf.tidy(() => b.forward(tf.tensor2d([[0.1, 0.2]])));
 * ```
 */
export interface Bijection {
  readonly forward: (x: Batch, context?: Batch) => ForwardResult;
  readonly inverse: (y: Batch, context?: Batch) => InverseResult;
}
