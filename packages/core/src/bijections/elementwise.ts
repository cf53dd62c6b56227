import { tf } from '../tf.js';
import type { Batch, Bijection, PerRow } from '../bijection.js';

/**
 * Build a bijection that acts on every coordinate independently: `y = f(x)`,
 * `log|det J| = Σᵢ log|f'(xᵢ)|`. `fwd`/`inv` return the elementwise values
 * and elementwise log-derivatives; this helper sums them per row.
 */
export const elementwise = (
  fwd: (x: Batch) => { readonly out: tf.Tensor; readonly logAbsDeriv: tf.Tensor },
  inv: (y: Batch) => { readonly out: tf.Tensor; readonly logAbsDeriv: tf.Tensor },
): Bijection => ({
  forward: (x) => {
    const { out, logAbsDeriv } = fwd(x);
    return { y: out as Batch, logDet: tf.sum(logAbsDeriv, 1) as PerRow };
  },
  inverse: (y) => {
    const { out, logAbsDeriv } = inv(y);
    return { x: out as Batch, logDet: tf.sum(logAbsDeriv, 1) as PerRow };
  },
});
