import { tf } from '../tf.js';

/**
 * `y[:, j] = x[:, idx[j]]`: pick (and reorder, or repeat) columns of a
 * `[batch, n]` tensor, differentiable on every backend.
 *
 * `tf.gather`'s gradient needs the `UnsortedSegmentSum` kernel, which
 * tfjs-backend-wasm 4.22 lacks, so training anything built on a plain gather
 * fails there. This keeps `gather` for the forward pass and writes the
 * gradient as `∂L/∂x = (∂L/∂y) S` with the one-hot selection matrix
 * `S[j, idx[j]] = 1` (`[k, n]`), a matMul every backend has. Exact in
 * float32: each entry is a sum of the incoming gradients that picked it.
 *
 * @example
 * ```ts
 * const swapped = selectColumns(x, [1, 0]); // [batch, 2]
 * ```
 */
export const selectColumns = (x: tf.Tensor2D, idx: readonly number[]): tf.Tensor2D => {
  const n = x.shape[1];
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor;
    const value = tf.gather(input, tf.tensor1d(idx as number[], 'int32'), 1) as tf.Tensor2D;
    return {
      value,
      gradFunc: (dy: tf.Tensor) => {
        const s = new Float32Array(idx.length * n);
        idx.forEach((c, j) => (s[j * n + c] = 1));
        return tf.matMul(dy as tf.Tensor2D, tf.tensor2d(s, [idx.length, n]));
      },
    };
  });
  return f(x) as tf.Tensor2D;
};

/** {@link selectColumns} for a 1-D vector: `y[j] = v[idx[j]]`. */
export const selectEntries = (v: tf.Tensor1D, idx: readonly number[]): tf.Tensor1D =>
  tf.reshape(selectColumns(tf.reshape(v, [1, v.shape[0]]) as tf.Tensor2D, idx), [
    idx.length,
  ]) as tf.Tensor1D;
