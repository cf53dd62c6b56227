import { type PerRow, type TransformDef, tf } from '@bijective/core';

/** Parameters of {@link diagonalScaling}: `logScale` `[dim]`. */
export type DiagonalScalingParams = {
  readonly logScale: tf.Tensor1D;
};

/**
 * NICE's diagonal scaling layer (Dinh, Krueger & Bengio, "NICE", 2014), the
 * last layer of a NICE flow, which lets the otherwise volume-preserving stack
 * change volume (a large `S_ii` marks an unimportant direction):
 *
 *   forward (data → base): `y = x ⊙ exp(logScale)`,  `log|det J| = Σ logScale`
 *   inverse (base → data): `x = y ⊙ exp(-logScale)`, `log|det J| = -Σ logScale`
 *
 * Starts at the identity (`logScale = 0`). Unconditional. Both directions
 * are one elementwise pass. Shapes: `[batch, dim]`, log-det `[batch]`.
 *
 * @example
 * ```ts
 * const t = diagonalScaling(4);
 * const b = t.apply(t.init(0));
 * const { y, logDet } = tf.tidy(() => b.forward(x)); // identity at init
 * ```
 */
export const diagonalScaling = (dim: number): TransformDef<DiagonalScalingParams> => ({
  init: () => ({ logScale: tf.zeros([dim]) }),
  apply: ({ logScale }) => ({
    forward: (x) => ({
      y: tf.mul(x, tf.exp(logScale)),
      logDet: tf.mul(tf.sum(logScale), tf.ones([x.shape[0]])) as PerRow,
    }),
    inverse: (y) => ({
      x: tf.mul(y, tf.exp(tf.neg(logScale))),
      logDet: tf.mul(tf.neg(tf.sum(logScale)), tf.ones([y.shape[0]])) as PerRow,
    }),
  }),
});
