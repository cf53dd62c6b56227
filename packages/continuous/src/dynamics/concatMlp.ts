import { tf } from '@bijective/core';
import { type DenseParams, glorotUniform } from '@bijective/core/nn';
import { splitSeed } from '@bijective/core/params';
import { type DynamicsMlpOptions, resolveMlpOptions } from './options.js';
import { type DynamicsDef, timeAndContext } from './vectorField.js';

/** Parameters of {@link concatMlp}: one dense layer per hidden width plus the output layer. */
export type ConcatMlpParams = readonly DenseParams[];

/**
 * A time-conditioned MLP dynamics network whose every layer sees `[h, t, c]`
 * (FFJORD's "concat" layer, Grathwohl et al. 2019):
 *
 *   `h₀ = z`, `h_{l+1} = act([h_l, t, c] W_l + b_l)`, `f(t, z; c) = [h_L, t, c] W_L + b_L`.
 *
 * `[batch, dim]` → `[batch, dim]`. Use a second-order-safe activation
 * (the default, `tanh`, is the `safeTanh` of this package) so FFJORD's
 * trace gradients are right.
 *
 * @example
 * ```ts
 * const net = concatMlp({ dim: 2, hidden: [32, 32], activation: 'softplus' });
 * const f = net.apply(net.init(0));
 * const v = f(0.25, tf.randomNormal([8, 2])); // [8, 2]
 * ```
 */
export const concatMlp = (options: DynamicsMlpOptions): DynamicsDef<ConcatMlpParams> => {
  const { sizes, cond, act } = resolveMlpOptions(options);
  const activation = options.activation ?? 'tanh';
  return {
    init: (seed) =>
      sizes.slice(0, -1).map((fanIn, i) => ({
        w: glorotUniform(fanIn + cond, sizes[i + 1]!, splitSeed(seed, i)),
        b: tf.zeros([sizes[i + 1]!]) as tf.Tensor1D,
      })),
    apply: (layers) => (t, z, context) => {
      const batch = z.shape[0];
      const s = timeAndContext(t, batch, context);
      const tc = s.shape[0] === batch ? s : (tf.tile(s, [batch, 1]) as tf.Tensor2D);
      let h = z;
      layers.forEach((layer, i) => {
        const out = tf.add(tf.matMul(tf.concat([h, tc], 1), layer.w), layer.b) as tf.Tensor2D;
        h = i === layers.length - 1 ? out : act(out);
      });
      return h;
    },
    // [h, s] W + b = h W[:in] + (s W[in:] + b), s = [t, c]: every layer's shift side by side.
    layerForm: (layers) => {
      const parts = layers.map(
        (layer, i) => tf.split(layer.w, [sizes[i]!, cond], 0) as [tf.Tensor2D, tf.Tensor2D],
      );
      const weights = parts.map(([wh]) => wh);
      const ws = tf.concat(
        parts.map(([, w]) => w),
        1,
      );
      const b = tf.concat(layers.map((layer) => layer.b));
      return (t, batch, context) => ({
        activation,
        weights,
        shift: tf.add(tf.matMul(timeAndContext(t, batch, context), ws), b) as tf.Tensor2D,
      });
    },
  };
};
