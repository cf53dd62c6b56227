import { type Batch, type PerRow, type TransformDef, tf, valueError } from '@bijective/core';

/** Trainable parameters of {@link batchNorm}: per-dimension log-scale `log γ` and shift `β`, both `[dim]`. */
export type BatchNormParams = {
  readonly logGamma: tf.Tensor1D;
  readonly beta: tf.Tensor1D;
};

/** Stored per-dimension input statistics (evaluation mode). Plain numbers, so they live in a JSON config. */
export interface BatchNormStatistics {
  readonly mean: readonly number[];
  readonly variance: readonly number[];
}

/** Options of {@link batchNorm}. */
export interface BatchNormOptions {
  readonly dim: number;
  /**
   * Evaluation mode: normalise with these stored statistics (an ordinary
   * row-wise bijection, both directions). Absent: training mode, which uses
   * the statistics of the batch being transformed and has no inverse.
   */
  readonly statistics?: BatchNormStatistics;
  /** Added to the variance (default 1e-5). */
  readonly epsilon?: number;
}

/**
 * Batch normalisation as a bijection (Dinh, Sohl-Dickstein & Bengio, "Density
 * estimation using Real NVP", 2017; used between MADEs in Papamakarios et al.'s
 * MAF, 2017). Forward (data → base):
 *
 *   `y = (x - μ) / √(σ² + ε) · exp(log γ) + β`,  `log|det ∂y/∂x| = Σⱼ (log γⱼ - ½ log(σⱼ² + ε))`.
 *
 * Functional, with no hidden mutable state; the two modes are two definitions
 * with the *same* parameters:
 *
 * - **training mode** (no `statistics`): `μ, σ²` are the current batch's
 *   column means and (population) variances, differentiated through, and the
 *   log-det treats them as constants, as in the papers. Rows are coupled, so
 *   this mode is only for maximum-likelihood training; its `inverse` throws.
 * - **evaluation mode** (`statistics` given): `μ, σ²` are the stored values,
 *   e.g. computed once after training over the training set by
 *   `withBatchNormStatistics` (presets). An exact row-wise bijection, both
 *   directions one pass; this is what sampling and reported densities use.
 *
 * Shapes `[batch, dim]`; ignores any context.
 *
 * @example
 * ```ts
 * const train = batchNorm({ dim: 2 }); // fit with this
 * const evalMode = batchNorm({ dim: 2, statistics: { mean: [0.1, -2], variance: [1.5, 0.3] } });
 * const b = evalMode.apply(train.init(0)); // same parameters
 * ```
 */
export const batchNorm = (options: BatchNormOptions): TransformDef<BatchNormParams> => {
  const { dim, statistics } = options;
  const eps = options.epsilon ?? 1e-5;
  if (statistics !== undefined) {
    const ok = statistics.mean.length === dim && statistics.variance.length === dim;
    if (!ok)
      throw valueError(
        'options.statistics',
        `mean and variance of length ${dim}`,
        `${statistics.mean.length} and ${statistics.variance.length}`,
      );
    const bad = statistics.variance.findIndex((v) => !(Number.isFinite(v) && v >= 0));
    if (bad >= 0)
      throw valueError(
        `options.statistics.variance[${bad}]`,
        'a finite non-negative variance',
        String(statistics.variance[bad]),
      );
  }
  const stats = (x: Batch): { mean: tf.Tensor; logStd: tf.Tensor } => {
    if (statistics !== undefined)
      return {
        mean: tf.tensor1d(statistics.mean as number[]),
        logStd: tf.tensor1d(statistics.variance.map((v) => 0.5 * Math.log(v + eps))),
      };
    const m = tf.moments(x, 0);
    return { mean: m.mean, logStd: tf.mul(0.5, tf.log(tf.add(m.variance, eps))) };
  };
  return {
    init: () => ({ logGamma: tf.zeros([dim]), beta: tf.zeros([dim]) }),
    apply: ({ logGamma, beta }) => ({
      forward: (x) => {
        const { mean, logStd } = stats(x);
        const logScale = tf.sub(logGamma, logStd);
        return {
          y: tf.add(tf.mul(tf.sub(x, mean), tf.exp(logScale)), beta) as Batch,
          logDet: tf.mul(tf.sum(logScale), tf.ones([x.shape[0]])) as PerRow,
        };
      },
      inverse: (y) => {
        if (statistics === undefined)
          throw new Error(
            'batchNorm: training mode has no inverse; build the evaluation-mode transform with stored statistics to sample',
          );
        const { mean, logStd } = stats(y);
        const logScale = tf.sub(logGamma, logStd);
        return {
          x: tf.add(tf.mul(tf.sub(y, beta), tf.exp(tf.neg(logScale))), mean) as Batch,
          logDet: tf.mul(tf.neg(tf.sum(logScale)), tf.ones([y.shape[0]])) as PerRow,
        };
      },
    }),
  };
};
