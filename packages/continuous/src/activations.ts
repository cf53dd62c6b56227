import { tf } from '@bijective/core';
import { type Activation } from '@bijective/core/nn';

/**
 * Activations whose gradients stay correct to every order under tfjs autodiff.
 *
 * Why they exist: tfjs-core 4.22 saves a kernel's *output* for the backward
 * pass as a clone that is taped before the kernel producing it, so the
 * clone is cut off from the input and the gradient of `tanh`, `sigmoid` and `exp`
 * (`dy·(1-y²)`, `dy·y(1-y)`, `dy·y`) is disconnected from the input on a second
 * differentiation: second-order gradients come out silently wrong (or throw,
 * for tfjs's own `elu`/`selu`/`leakyRelu`). FFJORD's training needs exactly those second
 * derivatives (`∂/∂θ` of a trace built from `∂f/∂z`). Each function here is a
 * `tf.customGrad` whose gradient is *recomputed from the saved input* `x`
 * using these same safe functions, so
 * the backward graph is itself made of differentiable primitives and every
 * order of derivative is right.
 */

type Unary = (x: tf.Tensor) => tf.Tensor;

const custom = (value: Unary, derivative: (x: tf.Tensor) => tf.Tensor): Unary => {
  const op = tf.customGrad((...args) => {
    const x = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    // Save the *input*: tfjs tapes the saving clone after x's producer, so the
    // clone stays connected to x (a saved *output* is taped before its producer
    // and gets cut off — the root of the tanh/sigmoid/exp bug).
    save([x]);
    return {
      value: value(x),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, derivative(saved[0]!)),
    };
  });
  return (x) => op(x);
};

const sigmoidUnary: Unary = custom(
  (x) => tf.sigmoid(x),
  (x) => {
    const s = sigmoidUnary(x);
    return tf.mul(s, tf.sub(1, s));
  },
);

const tanhUnary: Unary = custom(
  (x) => tf.tanh(x),
  (x) => tf.sub(1, tf.square(tanhUnary(x))),
);

const softplusUnary: Unary = custom(
  (x) => tf.softplus(x),
  (x) => sigmoidUnary(x),
);

const swishUnary: Unary = custom(
  (x) => tf.mul(x, tf.sigmoid(x)),
  (x) => {
    const s = sigmoidUnary(x);
    return tf.add(s, tf.mul(x, tf.mul(s, tf.sub(1, s))));
  },
);

const expUnary: Unary = custom(
  (x) => tf.exp(x),
  (x) => expUnary(x),
);

// min(x, 0), with derivative 1[x < 0] from the one comparison that has a registered gradient.
const negativePartUnary: Unary = custom(
  (x) => tf.minimum(x, 0),
  (x) => tf.sub(1, tf.cast(tf.greaterEqual(x, 0), 'float32')),
);

const eluUnary: Unary = custom(
  (x) => tf.elu(x),
  (x) => expUnary(negativePartUnary(x)),
);

/**
 * `tanh(x)` with `tanh'(x) = 1 - tanh(x)²` recomputed from `x`, so second and
 * higher derivatives are right (see the module note on tfjs 4.22). Elementwise, any shape.
 *
 * @example
 * ```ts
 * const g2 = tf.grad((x) => tf.sum(tf.grad((y) => tf.sum(safeTanh(y)))(x)))(tf.tensor1d([0.3]));
 * // = tanh''(0.3) = -2 tanh(0.3)(1 - tanh²(0.3))
 * ```
 */
export const safeTanh: Activation = (x) => tanhUnary(x) as tf.Tensor2D;

/**
 * The logistic sigmoid `σ(x) = 1 / (1 + e^{-x})` with `σ' = σ(1 - σ)`
 * recomputed from `x` (second-order safe). Elementwise, any shape.
 *
 * @example
 * ```ts
 * const h = safeSigmoid(tf.tensor2d([[0, 1]])); // [[0.5, 0.731]]
 * ```
 */
export const safeSigmoid: Activation = (x) => sigmoidUnary(x) as tf.Tensor2D;

/**
 * `softplus(x) = log(1 + eˣ)` with `softplus' = σ` computed by {@link safeSigmoid}
 * (second-order safe to every order). Elementwise, any shape.
 *
 * @example
 * ```ts
 * const h = safeSoftplus(tf.tensor2d([[0]])); // [[log 2]]
 * ```
 */
export const safeSoftplus: Activation = (x) => softplusUnary(x) as tf.Tensor2D;

/**
 * Swish / SiLU `x·σ(x)` (Ramachandran et al. 2017; Elfwing et al. 2018) with
 * derivative `σ(x) + x σ(x)(1 - σ(x))` recomputed from `x` (second-order safe).
 *
 * @example
 * ```ts
 * const h = safeSwish(tf.tensor2d([[1]])); // [[0.731]]
 * ```
 */
export const safeSwish: Activation = (x) => swishUnary(x) as tf.Tensor2D;

/**
 * ELU (Clevert et al. 2016), `x` for `x > 0` and `eˣ - 1` otherwise, with
 * derivative `exp(min(x, 0))` recomputed from `x` (second-order safe: the
 * second derivative is `eˣ` below 0 and 0 above). zuko's CNF default.
 *
 * @example
 * ```ts
 * const h = safeElu(tf.tensor2d([[-1, 2]])); // [[-0.632, 2]]
 * ```
 */
export const safeElu: Activation = (x) => eluUnary(x) as tf.Tensor2D;

/** The names of the offered activations, as used in JSON configs. */
export type ActivationName = 'tanh' | 'softplus' | 'sigmoid' | 'swish' | 'elu';

/**
 * Every offered activation by name (all second-order safe), as selected by
 * the `activation` option of the dynamics networks and presets.
 *
 * @example
 * ```ts
 * for (const [name, act] of Object.entries(activations)) act(tf.zeros([1, 2]));
 * ```
 */
export const activations: Readonly<Record<ActivationName, Activation>> = {
  tanh: safeTanh,
  softplus: safeSoftplus,
  sigmoid: safeSigmoid,
  swish: safeSwish,
  elu: safeElu,
};

/**
 * Look an activation up by name.
 *
 * @example
 * ```ts
 * const act = activation('softplus');
 * const h = act(tf.zeros([2, 3]));
 * ```
 */
export const activation = (name: ActivationName): Activation => activations[name];
