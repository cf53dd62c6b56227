import { tf } from '../tf.js';
import type { Activation } from './mlp.js';
import type { FusedMlpActivation } from '../backend/fusedKernels.js';

/**
 * Hidden activations a conditioner preset's JSON config can name (the coupling
 * family's MLPs and the autoregressive family's MADEs). The one definition:
 * both families re-export it.
 */
export type ActivationName = 'relu' | 'tanh' | 'softplus';

/** The names of {@link ActivationName}, for validation. */
export const activationNames: readonly ActivationName[] = ['relu', 'tanh', 'softplus'];

/** `tf.tanh`, as the one function object {@link fusedActivation} recognises. */
const tanhActivation: Activation = (x) => tf.tanh(x);
/** `tf.softplus`, as the one function object {@link fusedActivation} recognises. */
const softplusActivation: Activation = (x) => tf.softplus(x);

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
      return tanhActivation;
    case 'softplus':
      return softplusActivation;
  }
};

/**
 * The name the fused MLP kernels know an activation by: `'relu'` for
 * `undefined` (the default), `'tanh'` / `'softplus'` for the functions
 * {@link activation} returns, `undefined` for any other function (a caller's
 * own activation, which only the composite ops can run).
 *
 * @example
 * ```ts
 * fusedActivation(activation('tanh')); // 'tanh'
 * fusedActivation((x) => tf.tanh(x)); // undefined: not one of ours
 * ```
 */
export const fusedActivation = (act: Activation | undefined): FusedMlpActivation | undefined =>
  act === undefined
    ? 'relu'
    : act === tanhActivation
      ? 'tanh'
      : act === softplusActivation
        ? 'softplus'
        : undefined;
