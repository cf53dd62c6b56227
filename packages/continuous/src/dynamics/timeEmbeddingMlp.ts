import { tf } from '@bijective/core';
import { type DenseParams } from '@bijective/core/nn';
import { splitSeed } from '@bijective/core/params';
import { type DynamicsMlpOptions, resolveMlpOptions } from './options.js';
import type { DynamicsDef, Time } from './vectorField.js';

/** Parameters of {@link timeEmbeddingMlp}: one dense layer per hidden width plus the output layer. */
export type TimeEmbeddingMlpParams = readonly DenseParams[];

/** Options of {@link timeEmbeddingMlp}. */
export interface TimeEmbeddingMlpOptions extends DynamicsMlpOptions {
  /** Number `K` of time frequencies (default 3, zuko's). */
  readonly frequencies?: number;
}

/**
 * The Fourier features of time, `φ(t) = [cos(kπt/T), sin(kπt/T)]_{k=1..K}`:
 * `[rows, 2K]`, one row for a number `t` (it broadcasts) or one per row for a `[rows]` tensor.
 *
 * @example
 * ```ts
 * timeFeatures(0.5, 1, 2); // [[cos(π/2), cos(π), sin(π/2), sin(π)]] = [[0, -1, 1, 0]]
 * ```
 */
export const timeFeatures = (t: Time, T: number, frequencies: number): tf.Tensor2D =>
  tf.tidy(() => {
    const column =
      typeof t === 'number' ? tf.fill([1, 1], t / T) : tf.reshape(tf.div(t, T), [-1, 1]);
    const k = tf.tensor2d([Array.from({ length: frequencies }, (_, i) => (i + 1) * Math.PI)]);
    const angles = tf.matMul(column as tf.Tensor2D, k);
    return tf.concat([tf.cos(angles), tf.sin(angles)], 1) as tf.Tensor2D;
  });

/**
 * A dynamics MLP that sees time through Fourier features at its input only —
 * zuko's `CNF` network (Rozet et al., zuko, 2022–; time features as in Tancik
 * et al. 2020):
 *
 *   `h₀ = [φ(t), z, c]`, `h_{l+1} = act(h_l W_l + b_l)`, `f(t, z; c) = h_L W_L + b_L`,
 *
 * with `φ(t) = [cos(kπt/T), sin(kπt/T)]_{k=1..K}` and PyTorch's default
 * initialisation `W, b ~ U(±1/√fan_in)`. `[batch, dim]` → `[batch, dim]`. In
 * the flow-matching runs on digits it generalised better than the
 * every-layer concatenation of {@link concatMlp} (see the package README).
 *
 * @example
 * ```ts
 * const net = timeEmbeddingMlp({ dim: 64, hidden: [256, 256, 256], activation: 'elu' }, 1);
 * const f = net.apply(net.init(0));
 * const v = f(0.25, tf.randomNormal([8, 64])); // [8, 64]
 * ```
 */
export const timeEmbeddingMlp = (
  options: TimeEmbeddingMlpOptions,
  T = 1,
): DynamicsDef<TimeEmbeddingMlpParams> => {
  const { sizes, cond, act } = resolveMlpOptions(options);
  const frequencies = options.frequencies ?? 3;
  if (!(Number.isInteger(frequencies) && frequencies > 0))
    throw new RangeError(
      `timeEmbeddingMlp: frequencies must be a positive integer, got ${frequencies}`,
    );
  // The input is [φ(t), z, c]: 2K time features instead of the one raw time.
  const inputs = sizes[0]! + 2 * frequencies + (cond - 1);
  const activation = options.activation ?? 'tanh';
  const fanIns = [inputs, ...sizes.slice(1, -1)];
  return {
    init: (seed) =>
      fanIns.map((fanIn, i) => {
        const bound = 1 / Math.sqrt(fanIn);
        const out = sizes[i + 1]!;
        return {
          w: tf.randomUniform(
            [fanIn, out],
            -bound,
            bound,
            'float32',
            splitSeed(seed, 2 * i),
          ) as tf.Tensor2D,
          b: tf.randomUniform(
            [out],
            -bound,
            bound,
            'float32',
            splitSeed(seed, 2 * i + 1),
          ) as tf.Tensor1D,
        };
      }),
    apply: (layers) => (t, z, context) => {
      const batch = z.shape[0];
      const phi = timeFeatures(t, T, frequencies);
      const time = phi.shape[0] === batch ? phi : (tf.tile(phi, [batch, 1]) as tf.Tensor2D);
      let h = tf.concat(context === undefined ? [time, z] : [time, z, context], 1) as tf.Tensor2D;
      layers.forEach((layer, i) => {
        const out = tf.add(tf.matMul(h, layer.w), layer.b) as tf.Tensor2D;
        h = i === layers.length - 1 ? out : act(out);
      });
      return h;
    },
    // The first layer's input is [φ(t), z, c]: only its z rows act on z; φ(t) and c shift it.
    // The other layers' shifts are their biases.
    layerForm: (layers) => {
      const [first, ...rest] = layers;
      const contextDim = cond - 1;
      const pieces = tf.split(
        first!.w,
        contextDim > 0 ? [2 * frequencies, sizes[0]!, contextDim] : [2 * frequencies, sizes[0]!],
        0,
      ) as tf.Tensor2D[];
      const weights = [pieces[1]!, ...rest.map((layer) => layer.w)];
      const biases =
        rest.length === 0
          ? undefined
          : (tf.reshape(tf.concat(rest.map((layer) => layer.b)), [1, -1]) as tf.Tensor2D);
      return (t, batch, context) => {
        let shift = tf.add(tf.matMul(timeFeatures(t, T, frequencies), pieces[0]!), first!.b);
        if (context !== undefined && contextDim > 0)
          shift = tf.add(shift, tf.matMul(context, pieces[2]!));
        if (biases !== undefined) {
          const rows = shift.shape[0]!;
          const tail = rows === 1 ? biases : tf.broadcastTo(biases, [rows, biases.shape[1]]);
          shift = tf.concat([shift, tail], 1);
        }
        return { activation, weights, shift: shift as tf.Tensor2D };
      };
    },
  };
};
