import { tf } from '../tf.js';
import {
  FUSED_FIELD_TRACE,
  FUSED_FIELD_TRACE_GRAD,
  type FieldTraceActivation,
  type FusedFieldTraceAttrs,
  hasFusedKernel,
} from '../backend/fusedKernels.js';

/**
 * One layer of a vector field in the form {@link fieldTrace} evaluates:
 * `pre = (h w) ⊙ scale + shift`, where `h` is the layer's input. `w` is
 * `[in, out]`; `scale` (optional) and `shift` are `[1 or batch, out]` and do not
 * depend on `z` (time and context terms, biases, gates).
 */
export type FieldTraceLayer = {
  readonly w: tf.Tensor2D;
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
  layers: readonly FieldTraceLayer[],
  activation: FieldTraceActivation,
  frobenius: boolean,
): FieldTrace => {
  const [batch, dim] = z.shape;
  let h = z;
  // J = ∂h/∂z as [D, rows, width]: block i holds ∂h/∂zᵢ (rows is 1 until a per-row factor enters).
  let jac: tf.Tensor3D | undefined;
  layers.forEach((layer, l) => {
    const out = layer.w.shape[1];
    const scale = (t: tf.Tensor) => (layer.scale === undefined ? t : tf.mul(t, layer.scale));
    const pre = tf.add(scale(tf.matMul(h, layer.w)), layer.shift) as tf.Tensor2D;
    const tangent =
      jac === undefined
        ? tf.reshape(layer.w, [dim, 1, out]) // ∂z/∂zᵢ = eᵢ, so eᵢ W is row i of W
        : tf.reshape(tf.matMul(tf.reshape(jac, [-1, jac.shape[2]]), layer.w), [
            dim,
            jac.shape[1],
            out,
          ]);
    const jPre = scale(tangent) as tf.Tensor3D;
    if (l === layers.length - 1) {
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
  layers: readonly FieldTraceLayer[],
  activation: FieldTraceActivation,
) => {
  const attrs: FusedFieldTraceAttrs = {
    activation,
    sizes: [z.shape[1], ...layers.map((l) => l.w.shape[1])],
    scaled: layers.map((l) => (l.scale === undefined ? 0 : 1)),
  };
  const inputs: Record<string, tf.Tensor> = { z };
  const differentiable: tf.Tensor[] = [z];
  const names: string[] = ['z'];
  layers.forEach((layer, l) => {
    inputs[`w${l}`] = layer.w;
    differentiable.push(layer.w);
    names.push(`w${l}`);
    if (layer.scale !== undefined) {
      inputs[`s${l}`] = layer.scale;
      differentiable.push(layer.scale);
      names.push(`s${l}`);
    }
    inputs[`c${l}`] = layer.shift;
    differentiable.push(layer.shift);
    names.push(`c${l}`);
  });
  return { attrs, inputs, differentiable, names };
};

const asList = (r: tf.Tensor | tf.Tensor[]): tf.Tensor[] => (Array.isArray(r) ? r : [r]);

const fusedFieldTrace = (
  z: tf.Tensor2D,
  layers: readonly FieldTraceLayer[],
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
 * through this forward-mode computation). The scales and shifts carry time
 * and context (FFJORD's concat-squash gates, concat layers' time terms); they
 * must not depend on `z`. `z` is `[batch, D]` and the last layer maps back to `D`.
 *
 * When the active backend registered {@link FUSED_FIELD_TRACE} and its
 * gradient, the whole evaluation is one kernel call each way (a
 * `tf.customGrad`, first-order gradients only); otherwise composite tfjs ops.
 * Activations: tanh, softplus, sigmoid, swish, elu.
 *
 * @example
 * ```ts
 * const { value, divergence } = fieldTrace(z, [
 *   { w: w0, shift: b0 },            // [D, H], [1, H]
 *   { w: w1, scale: g1, shift: c1 }, // [H, D], [batch, D]
 * ], 'tanh');
 * ```
 */
export const fieldTrace = (
  z: tf.Tensor2D,
  layers: readonly FieldTraceLayer[],
  activation: FieldTraceActivation,
  frobenius = false,
): FieldTrace => {
  const dim = z.shape[1];
  if (layers.length === 0 || layers[0]!.w.shape[0] !== dim || layers.at(-1)!.w.shape[1] !== dim)
    throw new Error(`fieldTrace: the layers must map [batch, ${dim}] to [batch, ${dim}]`);
  if (z.shape[0] > 0 && hasFusedKernel(FUSED_FIELD_TRACE) && hasFusedKernel(FUSED_FIELD_TRACE_GRAD))
    return fusedFieldTrace(z, layers, activation, frobenius);
  return compositeFieldTrace(z, layers, activation, frobenius);
};
