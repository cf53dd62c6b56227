import { tf } from '../tf.js';
import {
  FUSED_MLP,
  FUSED_MLP_GRAD,
  type FusedMlpActivation,
  type FusedMlpAttrs,
  hasFusedKernel,
} from '../backend/fusedKernels.js';
import type { Activation } from './mlp.js';
import { fusedActivation } from './activationName.js';

/**
 * One layer of an {@link mlpStack}: weight `w [in, out]`, bias `b [out]`, an
 * optional fixed 0/1 `mask` of `w`'s shape (MADE's connectivity; it gets no
 * gradient) and an optional unmasked `contextWeight [contextDim, out]`.
 */
export type MlpStackLayer = {
  readonly w: tf.Tensor2D;
  readonly b: tf.Tensor1D;
  readonly mask?: tf.Tensor2D;
  readonly contextWeight?: tf.Tensor2D;
};

/** Options of {@link mlpStack}. */
export interface MlpStackOptions {
  /** Hidden activation; `undefined` is ReLU. */
  readonly activation?: Activation;
  /** `[batch, contextDim]`, added through each layer's `contextWeight`. */
  readonly context?: tf.Tensor2D;
  /**
   * Residual hidden layers after the first: `h ← h + act(z)` (equal widths).
   * Always runs the composite ops.
   */
  readonly residual?: boolean;
}

/**
 * A dense or masked multilayer perceptron,
 *
 *   `h₀ = x`, `h_{l+1} = act(h_l (W_l ⊙ M_l) + b_l + c V_l)`, `out = h_{L-1} (W ⊙ M) + b + c V`
 *
 * (the mask and context terms only where a layer has them; MADE, Germain et
 * al. 2015, when masked). `[batch, in]` → `[batch, out]`.
 *
 * When the active backend registered {@link FUSED_MLP} and {@link FUSED_MLP_GRAD}
 * and the activation is one they implement (see `fusedActivation`), the whole
 * stack is one forward kernel call and its gradient one backward kernel call
 * (a `tf.customGrad`; first-order gradients only). Otherwise it runs the
 * composite tfjs ops: `tf.fused.matMul` with bias and ReLU per dense layer
 * (ReLU, no context), else `matMul(h, mul(W, M))`, `add(b)`, `add(matMul(c, V))`
 * and the activation, exactly the ops `applyMlp` and MADE always ran.
 *
 * @example
 * ```ts
 * const out = mlpStack(x, [
 *   { w: w0, b: b0, mask: m0, contextWeight: v0 },
 *   { w: w1, b: b1, mask: m1 },
 * ], { context: c }); // [batch, w1.shape[1]]
 * ```
 */
export const mlpStack = (
  x: tf.Tensor2D,
  layers: readonly MlpStackLayer[],
  options: MlpStackOptions = {},
): tf.Tensor2D => {
  const name = fusedActivation(options.activation);
  if (
    name !== undefined &&
    options.residual !== true &&
    layers.length > 0 &&
    layers.every((l) => l.w.size > 0) &&
    hasFusedKernel(FUSED_MLP) &&
    hasFusedKernel(FUSED_MLP_GRAD)
  )
    return fusedStack(x, layers, name, options.context);
  return compositeStack(x, layers, options);
};

const compositeStack = (
  x: tf.Tensor2D,
  layers: readonly MlpStackLayer[],
  { activation, context, residual }: MlpStackOptions,
): tf.Tensor2D => {
  let h = x;
  layers.forEach((layer, l) => {
    const isLast = l === layers.length - 1;
    const withContext = context !== undefined && layer.contextWeight !== undefined;
    if (
      !isLast &&
      activation === undefined &&
      layer.mask === undefined &&
      !withContext &&
      !residual
    ) {
      h = tf.fused.matMul({ a: h, b: layer.w, bias: layer.b, activation: 'relu' }) as tf.Tensor2D;
      return;
    }
    const w = layer.mask === undefined ? layer.w : tf.mul(layer.w, layer.mask);
    let z = tf.add(tf.matMul(h, w), layer.b) as tf.Tensor2D;
    if (withContext) z = tf.add(z, tf.matMul(context, layer.contextWeight!));
    if (isLast) h = z;
    else {
      const a = activation === undefined ? tf.relu(z) : activation(z);
      h = residual === true && l > 0 ? (tf.add(h, a) as tf.Tensor2D) : a;
    }
  });
  return h;
};

const asList = (r: tf.Tensor | tf.Tensor[]): tf.Tensor[] => (Array.isArray(r) ? r : [r]);

/**
 * The inputs and attributes of a {@link FUSED_MLP} call for a stack (the
 * context enters only when some layer has a context weight). Internal; the
 * conformance check calls the kernels through it too.
 */
export const fusedMlpCall = (
  x: tf.Tensor2D,
  layers: readonly MlpStackLayer[],
  activation: FusedMlpActivation,
  context: tf.Tensor2D | undefined,
) => {
  const c = layers.some((l) => l.contextWeight !== undefined) ? context : undefined;
  const hasV = (layer: MlpStackLayer): boolean =>
    c !== undefined && layer.contextWeight !== undefined;
  const attrs: FusedMlpAttrs = {
    activation,
    sizes: [x.shape[1], ...layers.map((l) => l.w.shape[1])],
    masked: layers.map((l) => (l.mask === undefined ? 0 : 1)),
    withContext: layers.map((l) => (hasV(l) ? 1 : 0)),
    contextDim: c?.shape[1] ?? 0,
  };
  const inputs: Record<string, tf.Tensor> = { x };
  if (c !== undefined) inputs['c'] = c;
  layers.forEach((layer, l) => {
    inputs[`w${l}`] = layer.w;
    inputs[`b${l}`] = layer.b;
    if (layer.mask !== undefined) inputs[`m${l}`] = layer.mask;
    if (hasV(layer)) inputs[`v${l}`] = layer.contextWeight!;
  });
  return { attrs, inputs, c, hasV };
};

const fusedStack = (
  x: tf.Tensor2D,
  layers: readonly MlpStackLayer[],
  activation: FusedMlpActivation,
  context: tf.Tensor2D | undefined,
): tf.Tensor2D => {
  const { attrs, inputs, c, hasV } = fusedMlpCall(x, layers, activation, context);
  // Differentiable inputs, in the order the gradient kernel returns their gradients.
  const differentiable: tf.Tensor[] = [
    x,
    ...layers.flatMap((layer) => [layer.w, layer.b]),
    ...layers.filter(hasV).map((layer) => layer.contextWeight!),
    ...(c === undefined ? [] : [c]),
  ];
  const run = tf.customGrad((...args) => {
    const save = args[args.length - 1];
    const [out, workspace] = asList(tf.engine().runKernel(FUSED_MLP, inputs, { ...attrs }));
    // The workspace holds all the backward kernel reads: one saved tensor.
    if (typeof save === 'function') save([workspace!]);
    return {
      value: out as tf.Tensor2D,
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) =>
        asList(tf.engine().runKernel(FUSED_MLP_GRAD, { dy, workspace: saved[0]! }, { ...attrs })),
    };
  });
  return run(...differentiable);
};
