import { tf } from '@bijective/core';

/**
 * Run `fn` as if no gradient tape were recording, while letting `fn` itself
 * compute gradients (`tf.grad`, vector-Jacobian products) with a tape of its own.
 *
 * Why: the adjoint method solves ODEs inside a `tf.customGrad` — its forward
 * function runs with tfjs's kernel depth raised (so nothing would be taped,
 * not even the divergence's own vector-Jacobian products), and its gradient
 * function runs in the middle of another backward pass (where a nested
 * `tf.grad` would overwrite, then clear, the outer tape). Saving the engine's
 * tape state, clearing it and restoring it afterwards gives `fn` a fresh,
 * private tape and leaves the outer one untouched. tfjs 4.22 exposes this
 * state as the public `tf.engine().state`.
 *
 * @example
 * ```ts
 * // Inside a tf.customGrad forward function: a divergence still gets its own tape.
 * const out = isolatedTape(() => tf.tidy(() => solver.solve(f, y0, 0, 1).y[0]!));
 * ```
 */
export const isolatedTape = <T>(fn: () => T): T => {
  const state = tf.engine().state;
  const saved = {
    tape: state.activeTape,
    gradientDepth: state.gradientDepth,
    kernelDepth: state.kernelDepth,
  };
  state.activeTape = null as unknown as typeof state.activeTape;
  state.gradientDepth = 0;
  state.kernelDepth = 0;
  try {
    return fn();
  } finally {
    state.activeTape = saved.tape;
    state.gradientDepth = saved.gradientDepth;
    state.kernelDepth = saved.kernelDepth;
  }
};
