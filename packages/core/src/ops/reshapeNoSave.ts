import { tf } from '../tf.js';

/**
 * `tf.reshape(x, shape)` whose gradient keeps no copy of `x`. tfjs's
 * `Reshape` gradient saves its input (for its shape), and the engine clones
 * every saved tensor: in a training step that is an extra kernel call per
 * reshape on the tape. As a `tf.customGrad`, the forward reshape runs
 * untaped and the backward reshapes `dy` to `x`'s shape, read from the
 * closure: same values, one kernel call each way.
 *
 * @example
 * ```ts
 * const theta = reshapeNoSave(h, [batch, dim, paramsPerDim]); // h: [batch, dim * paramsPerDim]
 * ```
 */
export const reshapeNoSave = <R extends tf.Rank>(
  x: tf.Tensor,
  shape: tf.ShapeMap[R],
): tf.Tensor<R> => {
  const inputShape = x.shape;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input] = args.filter((t): t is tf.Tensor => t instanceof tf.Tensor);
    return {
      value: tf.reshape(input!, shape),
      gradFunc: (dy: tf.Tensor) => tf.reshape(dy, inputShape),
    };
  });
  return f(x) as tf.Tensor<R>;
};
