import { type Activation, tf } from '@bijective/core';

/** Conditioner activations a preset's JSON config can name. */
export type ActivationName = 'relu' | 'tanh' | 'softplus';

/** The names of {@link ActivationName}, for validation. */
export const activationNames: readonly ActivationName[] = ['relu', 'tanh', 'softplus'];

/**
 * The hidden activation for a name, as core's `applyMlp` expects it:
 * `undefined` for ReLU (core then uses one fused matMul + bias + ReLU per
 * layer), an elementwise function otherwise. Note: tfjs 4.22's second-order
 * gradients through tanh are wrong; ReLU and softplus are safe everywhere.
 *
 * @example
 * ```ts
 * affineCoupling({ dim: 2, activation: activation('softplus') });
 * ```
 */
export const activation = (name: ActivationName): Activation | undefined => {
  switch (name) {
    case 'relu':
      return undefined;
    case 'tanh':
      return (x) => tf.tanh(x);
    case 'softplus':
      return (x) => tf.softplus(x);
  }
};
