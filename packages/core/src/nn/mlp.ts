import { tf } from '../tf.js';
import { tfSeed } from '../random.js';
import { splitSeed } from '../params.js';
import { mlpStack } from './mlpStack.js';

/** One dense layer's parameters: `w` is `[in, out]`, `b` is `[out]`. */
export type DenseParams = {
  readonly w: tf.Tensor2D;
  readonly b: tf.Tensor1D;
};

/** An elementwise activation. */
export type Activation = (x: tf.Tensor2D) => tf.Tensor2D;

/** Options of {@link mlp}. */
export interface MlpOptions {
  readonly input: number;
  readonly hidden: readonly number[];
  readonly output: number;
  /** Defaults to ReLU. */
  readonly activation?: Activation;
  /**
   * Scale of the last layer's initial weights (its bias starts at 0). `0`
   * makes the network output exactly 0 at init, which starts a coupling or
   * autoregressive transform at the identity. Defaults to 1 (plain Glorot).
   */
  readonly lastLayerScale?: number;
}

/**
 * Glorot-uniform `[fanIn, fanOut]` weights, `U(-a, a)` with `a = √(6 / (fanIn + fanOut))`
 * (Glorot & Bengio 2010), drawn from a seed.
 */
export const glorotUniform = (
  fanIn: number,
  fanOut: number,
  seed: number,
  scale = 1,
): tf.Tensor2D => {
  const a = scale * Math.sqrt(6 / (fanIn + fanOut));
  return tf.randomUniform([fanIn, fanOut], -a, a, 'float32', tfSeed(seed)) as tf.Tensor2D;
};

/** Initialise the dense layers of an `input → hidden… → output` perceptron. */
export const initMlp = (options: MlpOptions, seed: number): DenseParams[] => {
  const sizes = [options.input, ...options.hidden, options.output];
  const last = sizes.length - 2;
  return sizes.slice(0, -1).map((fanIn, i) => {
    const fanOut = sizes[i + 1]!;
    const scale = i === last ? (options.lastLayerScale ?? 1) : 1;
    return {
      w:
        scale === 0
          ? tf.zeros([fanIn, fanOut])
          : glorotUniform(fanIn, fanOut, splitSeed(seed, i), scale),
      b: tf.zeros([fanOut]),
    };
  });
};

/**
 * Apply a multilayer perceptron: `h ← act(h W + b)` for every layer but the
 * last, which is linear. `[batch, input]` → `[batch, output]`. Runs
 * {@link mlpStack}: one fused kernel each way on a backend that has the fused
 * MLP kernels, else one fused matMul + bias + activation per layer
 * (`tf.fused.matMul`).
 *
 * @example
 * ```ts
 * const p = initMlp({ input: 2, hidden: [64, 64], output: 4 }, 0);
 * const out = applyMlp(p, x); // [batch, 4], ReLU hidden layers
 * ```
 */
export const applyMlp = (
  layers: readonly DenseParams[],
  x: tf.Tensor2D,
  activation?: Activation,
): tf.Tensor2D => mlpStack(x, layers, activation === undefined ? {} : { activation });
