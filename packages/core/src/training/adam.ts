import { tf } from '../tf.js';
import {
  FUSED_ADAM,
  FUSED_ADAM_MULTI,
  type FusedAdamAttrs,
  hasFusedKernel,
} from '../backend/fusedKernels.js';

/** Options of {@link adam}. Defaults are Kingma & Ba's (2015) and zuko's protocol: lr 1e-3. */
export interface AdamOptions {
  readonly learningRate?: number;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
}

/** Adam's state for a flat list of parameter tensors. */
export interface AdamState {
  readonly step: number;
  readonly m: readonly tf.Tensor[];
  readonly v: readonly tf.Tensor[];
}

/** Fresh (zero) moments for the given leaves. */
export const adamInit = (leaves: readonly tf.Tensor[]): AdamState => ({
  step: 0,
  m: leaves.map((t) => tf.zerosLike(t)),
  v: leaves.map((t) => tf.zerosLike(t)),
});

/**
 * One Adam step (Kingma & Ba, "Adam: A Method for Stochastic Optimization", 2015):
 *
 *   `m ← β₁m + (1-β₁)g`, `v ← β₂v + (1-β₂)g²`,
 *   `θ ← θ - η · m̂ / (√v̂ + ε)` with `m̂ = m / (1-β₁ᵗ)`, `v̂ = v / (1-β₂ᵗ)`.
 *
 * Pure: returns new leaves and a new state; the caller disposes the old ones
 * (see {@link disposeAdam}) once it no longer needs them. Runs the backend's
 * fused kernels when it registered them: {@link FUSED_ADAM_MULTI} (every leaf
 * in one kernel call), else {@link FUSED_ADAM} (one call per leaf), else the
 * composite tfjs ops; all three give the same float32 results.
 *
 * @example
 * ```ts
 * let state = adamInit(leaves);
 * const r = adamStep(leaves, grads, state, { learningRate: 1e-3 });
 * ```
 */
export const adamStep = (
  leaves: readonly tf.Tensor[],
  grads: readonly tf.Tensor[],
  state: AdamState,
  options: AdamOptions = {},
): { leaves: tf.Tensor[]; state: AdamState } => {
  const lr = options.learningRate ?? 1e-3;
  const b1 = options.beta1 ?? 0.9;
  const b2 = options.beta2 ?? 0.999;
  const eps = options.epsilon ?? 1e-8;
  const t = state.step + 1;
  const stepSize = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
  // ε is scaled like the bias-corrected form: √v̂ + ε = (√v + ε√(1-β₂ᵗ)) / √(1-β₂ᵗ).
  const epsHat = eps * Math.sqrt(1 - b2 ** t);
  const attrs: FusedAdamAttrs = { beta1: b1, beta2: b2, stepSize, epsHat };
  if (leaves.length > 0 && hasFusedKernel(FUSED_ADAM_MULTI)) {
    // Every leaf in one kernel call (same maths, same float32 order as below).
    const inputs: Record<string, tf.Tensor> = {};
    leaves.forEach((param, i) => {
      inputs[`p${i}`] = param;
      inputs[`m${i}`] = state.m[i]!;
      inputs[`v${i}`] = state.v[i]!;
      inputs[`g${i}`] = grads[i]!;
    });
    const outs = tf.engine().runKernel(FUSED_ADAM_MULTI, inputs, { ...attrs }) as tf.Tensor[];
    const leafOut = (k: number): tf.Tensor[] => leaves.map((_, i) => outs[3 * i + k]!);
    return { leaves: leafOut(0), state: { step: t, m: leafOut(1), v: leafOut(2) } };
  }
  if (hasFusedKernel(FUSED_ADAM)) {
    // The backend's one-pass kernel (same maths, same float32 order as below).
    const outs = leaves.map(
      (param, i) =>
        tf
          .engine()
          .runKernel(
            FUSED_ADAM,
            { param, m: state.m[i]!, v: state.v[i]!, grad: grads[i]! },
            { ...attrs },
          ) as tf.Tensor[],
    );
    return {
      leaves: outs.map((o) => o[0]!),
      state: { step: t, m: outs.map((o) => o[1]!), v: outs.map((o) => o[2]!) },
    };
  }
  return tf.tidy(() => {
    const m = grads.map((g, i) => tf.add(tf.mul(b1, state.m[i]!), tf.mul(1 - b1, g)));
    const v = grads.map((g, i) => tf.add(tf.mul(b2, state.v[i]!), tf.mul(1 - b2, tf.square(g))));
    const next = leaves.map((p, i) =>
      tf.sub(p, tf.mul(stepSize, tf.div(m[i]!, tf.add(tf.sqrt(v[i]!), epsHat)))),
    );
    return { leaves: next, state: { step: t, m, v } };
  });
};

/** Dispose the moments of a state. */
export const disposeAdam = (state: AdamState): void => {
  for (const t of [...state.m, ...state.v]) t.dispose();
};
