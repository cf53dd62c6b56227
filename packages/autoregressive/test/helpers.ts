import { type Batch, type Params, type PerRow, disposeParams, tf } from '@bijective/core';
import { mapParams, splitSeed } from '@bijective/core/params';

/** Fresh parameters with Gaussian noise added, so no structure hides behind an identity init. */
export const perturbed = <P extends Params>(init: P, seed: number, sigma = 0.5): P => {
  let k = 0;
  const out = mapParams(init, (t) =>
    tf.tidy(() =>
      tf.add(t, tf.randomNormal(t.shape, 0, sigma, 'float32', splitSeed(seed, 100 + k++))),
    ),
  );
  disposeParams(init);
  return out;
};

const LOG_2PI = Math.log(2 * Math.PI);

/** `log N(v; mean, exp(logStd)²)` elementwise. */
const normalLogPdf = (
  v: tf.Tensor,
  mean: tf.Tensor | number,
  logStd: tf.Tensor | number,
): tf.Tensor =>
  tf.sub(
    tf.mul(-0.5, tf.square(tf.div(tf.sub(v, mean), tf.exp(logStd)))),
    tf.add(logStd, 0.5 * LOG_2PI),
  );

const col = (x: Batch, j: number) => tf.reshape(tf.slice(x, [0, j], [-1, 1]), [x.shape[0]]);

/**
 * A normalised banana: `x₁ ~ N(0, 1)`, `x₂ | x₁ ~ N(x₁² - 1, 0.5²)`. Since it is
 * normalised, `E_q[log q - log p]` is the true KL(q ‖ p) ≥ 0.
 */
export const logBanana = (x: Batch): PerRow => {
  const x1 = col(x, 0);
  const x2 = col(x, 1);
  return tf.add(
    normalLogPdf(x1, 0, 0),
    normalLogPdf(x2, tf.sub(tf.square(x1), 1), Math.log(0.5)),
  ) as PerRow;
};

/**
 * A normalised (mild) Neal's funnel: `v ~ N(0, 1)`, `x₂ | v ~ N(0, exp(v)²)`
 * (log-std `v`). Also a true KL target.
 */
export const logFunnel = (x: Batch): PerRow => {
  const v = col(x, 0);
  const x2 = col(x, 1);
  return tf.add(normalLogPdf(v, 0, 0), normalLogPdf(x2, 0, v)) as PerRow;
};
