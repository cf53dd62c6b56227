import { tf } from '../tf.js';
import {
  FUSED_FIELD_TRACE,
  FUSED_FIELD_TRACE_GRAD,
  type FieldTraceActivation,
  type FusedFieldTraceAttrs,
  hasFusedKernel,
} from '../backend/fusedKernels.js';

/**
 * A vector field in the form {@link fieldTrace} evaluates: dense layers
 * `pre_l = (h_l W_l) ⊙ s_l + c_l`. `weights` are `W_l [d_l, d_{l+1}]`
 * (`d₀ = d_L = D`); `shift` holds every layer's `c_l` side by side as
 * `[1 or batch, d_1 + … + d_L]` (layer `l` reads its `d_{l+1}` columns), and
 * `scale` (optional) the `s_l` the same way. Scales and shifts must not depend
 * on `z` (time and context terms, biases, gates): packing them lets a caller
 * build all of them with a few ops per evaluation.
 */
export type FieldTraceLayers = {
  readonly weights: readonly tf.Tensor2D[];
  readonly scale?: tf.Tensor2D;
  readonly shift: tf.Tensor2D;
};

/** A field `[batch, D]` with its divergence and squared Jacobian Frobenius norm per row. */
export type FieldTrace = {
  /** `f(z)`, `[batch, D]`. */
  readonly value: tf.Tensor2D;
  /** `tr(∂f/∂z)`, `[batch]`. */
  readonly divergence: tf.Tensor1D;
  /** `‖∂f/∂z‖²_F`, `[batch]`, when asked for. */
  readonly frobenius?: tf.Tensor1D;
};

/** `act(x)` and `act'(x)` from the same composite ops (first-order differentiable). */
const valueAndSlope = (
  name: FieldTraceActivation,
  x: tf.Tensor2D,
): { value: tf.Tensor2D; slope: tf.Tensor2D } => {
  switch (name) {
    case 'tanh': {
      const y = tf.tanh(x);
      return { value: y, slope: tf.sub(1, tf.square(y)) };
    }
    case 'sigmoid': {
      const y = tf.sigmoid(x);
      return { value: y, slope: tf.mul(y, tf.sub(1, y)) };
    }
    case 'softplus':
      return { value: tf.softplus(x), slope: tf.sigmoid(x) };
    case 'swish': {
      const s = tf.sigmoid(x);
      return {
        value: tf.mul(x, s),
        slope: tf.add(s, tf.mul(tf.mul(x, s), tf.sub(1, s))) as tf.Tensor2D,
      };
    }
    case 'elu':
      return { value: tf.elu(x), slope: tf.exp(tf.minimum(x, 0) as tf.Tensor2D) };
  }
};

/**
 * The composite ops of {@link fieldTrace} (the reference of the fused
 * kernels, and what runs on a backend without them). Internal.
 */
export const compositeFieldTrace = (
  z: tf.Tensor2D,
  { weights, scale, shift }: FieldTraceLayers,
  activation: FieldTraceActivation,
  frobenius: boolean,
): FieldTrace => {
  const [batch, dim] = z.shape;
  const widths = weights.map((w) => w.shape[1]);
  const shifts = weights.length === 1 ? [shift] : (tf.split(shift, widths, 1) as tf.Tensor2D[]);
  const scales =
    scale === undefined
      ? undefined
      : weights.length === 1
        ? [scale]
        : (tf.split(scale, widths, 1) as tf.Tensor2D[]);
  let h = z;
  // J = ∂h/∂z as [D, rows, width]: block i holds ∂h/∂zᵢ (rows is 1 until a per-row factor enters).
  let jac: tf.Tensor3D | undefined;
  weights.forEach((w, l) => {
    const out = w.shape[1];
    const times = (t: tf.Tensor) => (scales === undefined ? t : tf.mul(t, scales[l]!));
    const pre = tf.add(times(tf.matMul(h, w)), shifts[l]!) as tf.Tensor2D;
    const tangent =
      jac === undefined
        ? tf.reshape(w, [dim, 1, out]) // ∂z/∂zᵢ = eᵢ, so eᵢ W is row i of W
        : tf.reshape(tf.matMul(tf.reshape(jac, [-1, jac.shape[2]]), w), [dim, jac.shape[1], out]);
    const jPre = times(tangent) as tf.Tensor3D;
    if (l === weights.length - 1) {
      h = pre;
      jac = jPre;
      return;
    }
    const { value, slope } = valueAndSlope(activation, pre);
    h = value;
    jac = tf.mul(jPre, slope) as tf.Tensor3D;
  });
  // ∂f/∂z as [D (input i), rows, D (output k)]; the trace takes i = k.
  const full =
    jac!.shape[1] === batch ? jac! : (tf.broadcastTo(jac!, [dim, batch, dim]) as tf.Tensor3D);
  const eye = tf.reshape(tf.eye(dim), [dim, 1, dim]);
  const divergence = tf.sum(tf.mul(full, eye), [0, 2]) as tf.Tensor1D;
  return frobenius
    ? { value: h, divergence, frobenius: tf.sum(tf.square(full), [0, 2]) as tf.Tensor1D }
    : { value: h, divergence };
};

/**
 * The inputs and attributes of a {@link FUSED_FIELD_TRACE} call for a stack,
 * and the differentiable inputs in the order its gradient kernel returns
 * their gradients. Internal; the conformance check calls the kernels through it too.
 */
export const fieldTraceCall = (
  z: tf.Tensor2D,
  { weights, scale, shift }: FieldTraceLayers,
  activation: FieldTraceActivation,
) => {
  const attrs: FusedFieldTraceAttrs = {
    activation,
    sizes: [z.shape[1], ...weights.map((w) => w.shape[1])],
    scaled: scale === undefined ? 0 : 1,
  };
  const inputs: Record<string, tf.Tensor> = { z, c: shift };
  weights.forEach((w, l) => (inputs[`w${l}`] = w));
  if (scale !== undefined) inputs['s'] = scale;
  // In the order the gradient kernel returns their gradients.
  const differentiable: tf.Tensor[] = [
    z,
    ...weights,
    ...(scale === undefined ? [] : [scale]),
    shift,
  ];
  const names = [
    'z',
    ...weights.map((_, l) => `w${l}`),
    ...(scale === undefined ? [] : ['s']),
    'c',
  ];
  return { attrs, inputs, differentiable, names };
};

const asList = (r: tf.Tensor | tf.Tensor[]): tf.Tensor[] => (Array.isArray(r) ? r : [r]);

const fusedFieldTrace = (
  z: tf.Tensor2D,
  layers: FieldTraceLayers,
  activation: FieldTraceActivation,
  frobenius: boolean,
): FieldTrace => {
  const { attrs, inputs, differentiable, names } = fieldTraceCall(z, layers, activation);
  const run = tf.customGrad((...args) => {
    const save = args[args.length - 1];
    const [packed] = asList(tf.engine().runKernel(FUSED_FIELD_TRACE, inputs, { ...attrs }));
    if (typeof save === 'function') save(differentiable);
    return {
      value: packed as tf.Tensor2D,
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const grads: Record<string, tf.Tensor> = { dy };
        saved.forEach((t, i) => (grads[names[i]!] = t));
        return asList(tf.engine().runKernel(FUSED_FIELD_TRACE_GRAD, grads, { ...attrs }));
      },
    };
  });
  const packed = run(...differentiable);
  const [batch, dim] = z.shape;
  const [value, divergence, frob] = tf.split(packed, [dim, 1, 1], 1) as tf.Tensor2D[];
  return {
    value: value!,
    divergence: tf.reshape(divergence!, [batch]) as tf.Tensor1D,
    ...(frobenius ? { frobenius: tf.reshape(frob!, [batch]) as tf.Tensor1D } : {}),
  };
};

/**
 * A vector field given as a stack of scaled-and-shifted dense layers,
 *
 *   `h₀ = z`, `pre_l = (h_l W_l) ⊙ s_l + c_l`, `h_{l+1} = act(pre_l)`, `f(z) = pre_{L-1}`,
 *
 * with its exact divergence `tr(∂f/∂z)` (and, with `frobenius`, `‖∂f/∂z‖²_F`)
 * per row by **forward-mode** Jacobian propagation: the `D` columns `∂h_l/∂zᵢ`
 * ride along the forward pass (`∂pre_l/∂zᵢ = (∂h_l/∂zᵢ W_l) ⊙ s_l`, then
 * `⊙ act'(pre_l)`), so the cost is one forward pass on the batch plus one on
 * `D·batch` rows, and training needs only first-order autodiff (reverse mode
 * through this forward-mode computation). The scales and shifts
 * ({@link FieldTraceLayers}) carry time and context (FFJORD's concat-squash
 * gates, concat layers' time terms) and must not depend on `z`. `z` is
 * `[batch, D]` and the last layer maps back to `D`.
 *
 * When the active backend registered {@link FUSED_FIELD_TRACE} and its
 * gradient, the whole evaluation is one kernel call each way (a
 * `tf.customGrad`, first-order gradients only); otherwise composite tfjs ops.
 * Activations: tanh, softplus, sigmoid, swish, elu.
 *
 * @example
 * ```ts
 * const { value, divergence } = fieldTrace(z, {
 *   weights: [w0, w1],          // [D, H], [H, D]
 *   shift: tf.concat([b0, b1], 1), // [1, H + D]
 * }, 'tanh');
 * ```
 */
export const fieldTrace = (
  z: tf.Tensor2D,
  layers: FieldTraceLayers,
  activation: FieldTraceActivation,
  frobenius = false,
): FieldTrace => {
  const dim = z.shape[1];
  const { weights, scale, shift } = layers;
  const width = weights.reduce((sum, w) => sum + w.shape[1], 0);
  if (weights.length === 0 || weights[0]!.shape[0] !== dim || weights.at(-1)!.shape[1] !== dim)
    throw new Error(`fieldTrace: the layers must map [batch, ${dim}] to [batch, ${dim}]`);
  if (
    weights.some((w, l) => l > 0 && w.shape[0] !== weights[l - 1]!.shape[1]) ||
    [shift, ...(scale === undefined ? [] : [scale])].some(
      (t) => t.shape[1] !== width || (t.shape[0] !== 1 && t.shape[0] !== z.shape[0]),
    )
  )
    throw new Error(
      `fieldTrace: weights must chain and scales/shifts be [1 or ${z.shape[0]}, ${width}]`,
    );
  const fused =
    z.shape[0] > 0 && hasFusedKernel(FUSED_FIELD_TRACE) && hasFusedKernel(FUSED_FIELD_TRACE_GRAD);
  // Only the results outlive the call (the tape keeps what the gradients need).
  return tf.tidy(() =>
    (fused ? fusedFieldTrace : compositeFieldTrace)(z, layers, activation, frobenius),
  );
};
