import { tf } from '../tf.js';
import type { Activation } from './mlp.js';

/**
 * Hidden activations a conditioner preset's JSON config can name (the coupling
 * family's MLPs and the autoregressive family's MADEs). The one definition:
 * both families re-export it.
 */
export type ActivationName = 'relu' | 'tanh' | 'softplus';

/** The names of {@link ActivationName}, for validation. */
export const activationNames: readonly ActivationName[] = ['relu', 'tanh', 'softplus'];

/**
 * The hidden activation for a name, as {@link applyMlp} expects it:
 * `undefined` for ReLU (`applyMlp` then uses one fused matMul + bias + ReLU per
 * layer; the autoregressive MADE's default is ReLU too), an elementwise
 * function otherwise. Note: tfjs 4.22's second-order gradients through tanh
 * are wrong; ReLU and softplus are safe everywhere.
 *
 * @example
 * ```ts
 * applyMlp(net, x, activation('softplus'));
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
