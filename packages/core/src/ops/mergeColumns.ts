import { tf } from '../tf.js';
import { selectColumns } from './selectColumns.js';

/**
 * `y[:, j] = [a, b][:, idx[j]]`: put the columns of `a` (`[batch, na]`) and
 * `b` (`[batch, nb]`) back in place, `idx` a permutation of `0 … na+nb-1`
 * (a coupling layer's merge of its conditioning and transformed parts). The
 * same numbers as `selectColumns(tf.concat([a, b], 1), idx)`, as one
 * gradient-carrying engine node: the concat and the gather run untaped and
 * save nothing, and the backward pass picks each part's columns out of the
 * incoming gradient (`∂L/∂a = (∂L/∂y)[:, pos_a]`, `pos_a[i]` the output
 * column holding `a[:, i]`) with {@link selectColumns}, differentiable on
 * every backend. Where the composite records a concat (saving both parts)
 * and a selection, and runs a matMul and a split backward, this makes two
 * kernel calls each way. An `idx` that is not such a permutation falls back
 * to the composite ops.
 *
 * @example
 * ```ts
 * mergeColumns(xa, yb, [0, 2, 1]); // [xa[:, 0], yb[:, 0], xa[:, 1]]
 * ```
 */
export const mergeColumns = (
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  idx: readonly number[],
): tf.Tensor2D => {
  const na = a.shape[1];
  const n = na + b.shape[1];
  const position = new Array<number>(n).fill(-1);
  idx.forEach((c, j) => {
    if (Number.isInteger(c) && c >= 0 && c < n) position[c] = j;
  });
  if (idx.length !== n || position.some((p) => p < 0))
    return selectColumns(tf.concat([a, b], 1), idx);
  const posA = position.slice(0, na);
  const posB = position.slice(na);
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, y] = args.filter((t): t is tf.Tensor => t instanceof tf.Tensor);
    const indices = tf.tensor1d([...idx], 'int32');
    const value = tf.gather(tf.concat([x!, y!], 1), indices, 1) as tf.Tensor2D;
    return {
      value,
      gradFunc: (dy: tf.Tensor) => [
        selectColumns(dy as tf.Tensor2D, posA),
        selectColumns(dy as tf.Tensor2D, posB),
      ],
    };
  });
  return f(a, b) as tf.Tensor2D;
};
