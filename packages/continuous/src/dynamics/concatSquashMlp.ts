import { tf } from '@bijective/core';
import { glorotUniform } from '@bijective/core/nn';
import { splitSeed } from '@bijective/core/params';
import { safeSigmoid } from '../activations.js';
import { type DynamicsMlpOptions, resolveMlpOptions } from './options.js';
import { type DynamicsDef, timeAndContext } from './vectorField.js';

/**
 * One concat-squash layer's parameters: the main map `w: [in, out]`, `b: [out]`,
 * the gate `gw: [1 + contextDim, out]`, `gb: [out]` and the hyper-bias `hw: [1 + contextDim, out]`.
 */
export type ConcatSquashLayerParams = {
  readonly w: tf.Tensor2D;
  readonly b: tf.Tensor1D;
  readonly gw: tf.Tensor2D;
  readonly gb: tf.Tensor1D;
  readonly hw: tf.Tensor2D;
};

/** Parameters of {@link concatSquashMlp}. */
export type ConcatSquashParams = readonly ConcatSquashLayerParams[];

/**
 * FFJORD's concat-squash layer applied to `h` with conditioning `s = [t, c]`
 * (Grathwohl et al. 2019, `ConcatSquashLinear`; with a context as in PointFlow, Yang et al. 2019):
 *
 *   `out = (h W + b) ⊙ σ(s W_g + b_g) + s W_h`.
 *
 * `h: [batch, in]`, `s: [1 or batch, 1 + contextDim]` → `[batch, out]`.
 *
 * @example
 * ```ts
 * const [layer] = concatSquashMlp({ dim: 2, hidden: [] }).init(0);
 * const out = concatSquashLayer(layer!, tf.zeros([4, 2]), timeAndContext(0.5, 4)); // [4, 2]
 * ```
 */
export const concatSquashLayer = (
  p: ConcatSquashLayerParams,
  h: tf.Tensor2D,
  s: tf.Tensor2D,
): tf.Tensor2D => {
  const gate = safeSigmoid(tf.add(tf.matMul(s, p.gw), p.gb) as tf.Tensor2D);
  return tf.add(tf.mul(tf.add(tf.matMul(h, p.w), p.b), gate), tf.matMul(s, p.hw)) as tf.Tensor2D;
};

/**
 * A dynamics network of concat-squash layers (FFJORD's default, Grathwohl et
 * al., "FFJORD: Free-form Continuous Dynamics for Scalable Reversible
 * Generative Models", 2019): time (and the context) gate and shift every
 * layer instead of being concatenated to its input.
 *
 *   `h₀ = z`, `h_{l+1} = act(CS_l(h_l, [t, c]))`, `f(t, z; c) = CS_L(h_L, [t, c])`.
 *
 * `[batch, dim]` → `[batch, dim]`. Activations are second-order safe
 * (default `tanh`), so FFJORD's trace gradients are right.
 *
 * @example
 * ```ts
 * const net = concatSquashMlp({ dim: 2, hidden: [64, 64] });
 * const f = net.apply(net.init(0));
 * const v = f(0.5, tf.randomNormal([8, 2])); // [8, 2]
 * ```
 */
export const concatSquashMlp = (options: DynamicsMlpOptions): DynamicsDef<ConcatSquashParams> => {
  const { sizes, cond, act } = resolveMlpOptions(options);
  const activation = options.activation ?? 'tanh';
  return {
    init: (seed) =>
      sizes.slice(0, -1).map((fanIn, i) => {
        const out = sizes[i + 1]!;
        return {
          w: glorotUniform(fanIn, out, splitSeed(seed, 3 * i)),
          b: tf.zeros([out]) as tf.Tensor1D,
          gw: glorotUniform(cond, out, splitSeed(seed, 3 * i + 1)),
          gb: tf.zeros([out]) as tf.Tensor1D,
          hw: glorotUniform(cond, out, splitSeed(seed, 3 * i + 2), 0.1),
        };
      }),
    apply: (layers) => (t, z, context) => {
      const s = timeAndContext(t, z.shape[0], context);
      let h = z;
      layers.forEach((layer, i) => {
        const out = concatSquashLayer(layer, h, s);
        h = i === layers.length - 1 ? out : act(out);
      });
      return h;
    },
    // out = (h W) ⊙ g + (b ⊙ g + s W_h), g = σ(s W_g + b_g): scale g, shift b ⊙ g + s W_h, every
    // layer's side by side, so one evaluation builds them all in six ops.
    layerForm: (layers) => {
      const weights = layers.map((p) => p.w);
      const gw = tf.concat(
        layers.map((p) => p.gw),
        1,
      );
      const gb = tf.concat(layers.map((p) => p.gb));
      const hw = tf.concat(
        layers.map((p) => p.hw),
        1,
      );
      const b = tf.concat(layers.map((p) => p.b));
      return (t, batch, context) => {
        const s = timeAndContext(t, batch, context);
        const gate = tf.sigmoid(tf.add(tf.matMul(s, gw), gb)) as tf.Tensor2D;
        const shift = tf.add(tf.mul(b, gate), tf.matMul(s, hw)) as tf.Tensor2D;
        return { activation, weights, scale: gate, shift };
      };
    },
  };
};
