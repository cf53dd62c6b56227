import { tf } from '../tf.js';

/**
 * Optional fused kernels a backend plugin may register with tfjs
 * (`tf.registerKernel({ kernelName, backendName, kernelFunc })`). Core calls
 * one when the active backend has it and otherwise runs the same maths as
 * ordinary tfjs ops, so every backend gives the same numbers and a backend
 * only registers what it can do faster (the native backend does; cpu uses the
 * composite ops). Adam and the norm need no gradient: both run on gradients
 * after autodiff. The MLP pair ({@link FUSED_MLP}, {@link FUSED_MLP_GRAD}, native
 * and wasm) is one kernel each way of `mlpStack`, whose `tf.customGrad` calls
 * the backward kernel.
 *
 * - {@link FUSED_ADAM}: inputs `{ param, m, v, grad }` (float32, one shape),
 *   attributes {@link FusedAdamAttrs}; outputs `[param', m', v']` with
 *   `m' = β₁m + (1-β₁)g`, `v' = β₂v + (1-β₂)g²`, `param' = param - stepSize · m' / (√v' + ε̂)`
 *   (Kingma & Ba 2015, bias correction folded into `stepSize` and `ε̂`).
 * - {@link SQUARED_NORM}: inputs `{ x0, x1, … }` (float32), no attributes;
 *   output the float32 scalar `Σᵢ Σ xᵢ²`.
 *
 * @example
 * ```ts
 * if (hasFusedKernel(FUSED_ADAM)) {
 *   const [p, m, v] = tf.engine().runKernel(FUSED_ADAM, { param, m, v, grad }, attrs) as tf.Tensor[];
 * }
 * ```
 */
export const FUSED_ADAM = 'BijectiveFusedAdam';

/**
 * Name of the multi-leaf fused Adam kernel: {@link FUSED_ADAM} for every
 * parameter tensor of a model in ONE engine call (the per-call bookkeeping of
 * the tfjs engine costs more than the arithmetic at the sizes flows train at).
 * Inputs `{ p0, m0, v0, g0, p1, m1, v1, g1, … }` for leaves `0 … n-1` (float32;
 * `pᵢ, mᵢ, vᵢ, gᵢ` of one shape, leaves of any shapes), attributes
 * {@link FusedAdamAttrs} (the same for every leaf); outputs
 * `[p0', m0', v0', p1', m1', v1', …]`, each leaf exactly what {@link FUSED_ADAM}
 * gives for it. Optional: core's `adamStep` uses it when registered, else
 * {@link FUSED_ADAM} per leaf, else the composite ops.
 *
 * @example
 * ```ts
 * const outs = tf.engine().runKernel(FUSED_ADAM_MULTI, { p0, m0, v0, g0 }, attrs) as tf.Tensor[];
 * ```
 */
export const FUSED_ADAM_MULTI = 'BijectiveFusedAdamMulti';

/** Name of the fused squared global norm kernel; see {@link FUSED_ADAM}. */
export const SQUARED_NORM = 'BijectiveSquaredNorm';

/**
 * Name of the fused MLP stack forward kernel (core's {@link mlpStack}). Inputs:
 * `x [batch, d₀]`, per layer `l < L` the weight `w{l} [d_l, d_{l+1}]` and bias
 * `b{l} [d_{l+1}]`, optionally a fixed 0/1 mask `m{l}` (shape of `w{l}`) and a
 * context weight `v{l} [contextDim, d_{l+1}]`, and the context `c [batch, contextDim]`
 * when any `v{l}` is given. Attributes {@link FusedMlpAttrs}. Outputs
 * `[out, workspace]`: the network output
 * `out = h_{L-1} (W ⊙ M) + b [+ c V]`, with hidden activations
 * `h_{l+1} = act(h_l (W_l ⊙ M_l) + b_l [+ c V_l])` (`h₀ = x`), and a float32
 * vector holding everything the backward kernel reads, laid out by
 * {@link fusedMlpWorkspace} (so the engine saves one tensor for the gradient).
 */
export const FUSED_MLP = 'BijectiveFusedMlp';

/**
 * Name of the fused MLP stack backward kernel. Inputs: `dy` (the gradient of
 * `out`) and the forward's `workspace`; attributes {@link FusedMlpAttrs}.
 * Outputs, in order: `dx`, then `dw{l}, db{l}` for every layer (`dw` already
 * multiplied by the mask), then `dv{l}` for each layer that has a context
 * weight, then `dc` when a context is given.
 */
export const FUSED_MLP_GRAD = 'BijectiveFusedMlpGrad';

/** The hidden activations the fused MLP kernels implement; any other activation runs the composite ops. */
export type FusedMlpActivation = 'relu' | 'tanh' | 'softplus' | 'sigmoid' | 'elu';

/** Attributes of {@link FUSED_MLP} and {@link FUSED_MLP_GRAD} (arrays of numbers, as tfjs attributes are). */
export type FusedMlpAttrs = {
  /** Activation of the hidden layers (the last layer is linear). */
  readonly activation: FusedMlpActivation;
  /** Widths `d₀ … d_L` (`L` layers). */
  readonly sizes: number[];
  /** Per layer, 1 when it has a mask `m{l}`, else 0. */
  readonly masked: number[];
  /** Per layer, 1 when it has a context weight `v{l}`, else 0. */
  readonly withContext: number[];
  /** Width of `c` (0: no context). */
  readonly contextDim: number;
};

/** Offsets (in floats) of one piece of a fused MLP workspace, and its 2-d shape. */
export type WorkspacePiece = { readonly offset: number; readonly shape: [number, number] };

/** The layout of {@link FUSED_MLP}'s workspace; see {@link fusedMlpWorkspace}. */
export type FusedMlpWorkspace = {
  readonly x: WorkspacePiece;
  readonly c: WorkspacePiece | undefined;
  /** `h₁ … h_{L-1}`. */
  readonly hidden: WorkspacePiece[];
  /** `W_l ⊙ M_l` (or `W_l`), every layer. */
  readonly weights: WorkspacePiece[];
  /** `M_l` for masked layers (undefined elsewhere). */
  readonly masks: (WorkspacePiece | undefined)[];
  /** `V_l` for layers with a context weight (undefined elsewhere). */
  readonly contextWeights: (WorkspacePiece | undefined)[];
  readonly size: number;
};

/**
 * Where {@link FUSED_MLP} puts what {@link FUSED_MLP_GRAD} needs in its
 * workspace vector, in this order: `x`, `c`, the hidden activations, every
 * layer's effective weight `W ⊙ M`, the masks, the context weights; each
 * piece row-major and contiguous. Backends write and read it through this
 * one definition.
 *
 * @example
 * ```ts
 * const ws = fusedMlpWorkspace({ activation: 'relu', sizes: [2, 8, 4], masked: [0, 0], withContext: [0, 0], contextDim: 0 }, 5);
 * ws.hidden[0]; // { offset: 10, shape: [5, 8] }
 * ```
 */
export const fusedMlpWorkspace = (attrs: FusedMlpAttrs, batch: number): FusedMlpWorkspace => {
  const { sizes, masked, withContext, contextDim } = attrs;
  const layers = sizes.length - 1;
  let offset = 0;
  const piece = (rows: number, cols: number): WorkspacePiece => {
    const p: WorkspacePiece = { offset, shape: [rows, cols] };
    offset += rows * cols;
    return p;
  };
  const anyContext = contextDim > 0 && withContext.some((v) => v === 1);
  const x = piece(batch, sizes[0]!);
  const c = anyContext ? piece(batch, contextDim) : undefined;
  const hidden = sizes.slice(1, layers).map((d) => piece(batch, d));
  const weights = sizes.slice(0, layers).map((d, l) => piece(d, sizes[l + 1]!));
  const masks = sizes
    .slice(0, layers)
    .map((d, l) => (masked[l] === 1 ? piece(d, sizes[l + 1]!) : undefined));
  const contextWeights = sizes
    .slice(0, layers)
    .map((_, l) =>
      anyContext && withContext[l] === 1 ? piece(contextDim, sizes[l + 1]!) : undefined,
    );
  return { x, c, hidden, weights, masks, contextWeights, size: offset };
};

/**
 * Fused element maps (optional per backend, like {@link FUSED_ADAM}); core's
 * element maps run one when {@link hasFusedKernel} says the active backend
 * has it, else the composite tfjs ops (the reference these kernels equal
 * within float32 rounding).
 *
 * - {@link FUSED_SPLINE}: the rational-quadratic spline of
 *   `rationalQuadraticSpline` / `rationalQuadraticSplineInverse` (Durkan et al.
 *   2019). Inputs `{ x: [B, D], raw: [B, D, 3K - 1] }` (float32), attributes
 *   {@link FusedSplineAttrs}; outputs `[out [B, D], logAbsDeriv [B, D], logDet [B]]`
 *   with `logDet` the row sum of `logAbsDeriv`. Inputs outside `[-bound, bound]`
 *   pass through with log-derivative 0.
 * - {@link FUSED_AFFINE}: `affineMap` with zuko's soft-clamped log-scale
 *   `s = a / (1 + |a| / bound)`: forward `y = x·eˢ + shift`, log-derivative `s`;
 *   inverse `x = (y - shift)·e⁻ˢ`, log-derivative `-s`. Inputs
 *   `{ x: [B, D], raw: [B, D, 2] }` (slot 0 shift, slot 1 `a`), attributes
 *   {@link FusedAffineAttrs}; outputs as {@link FUSED_SPLINE}.
 *
 * Their backward kernels ({@link FUSED_SPLINE_GRAD}, {@link FUSED_AFFINE_GRAD})
 * take the forward inputs plus any of the cotangents
 * `{ dOut: [B, D], dLogAbsDeriv: [B, D], dLogDet: [B] }` (absent = zero) and
 * the same attributes, and return `[dx [B, D], dRaw [B, D, P]]`: the gradient
 * the composite ops give (bins fixed by the forward pass, clamps passing the
 * gradient inside their range, like tfjs's ClipByValue). A backend that
 * registers a forward kernel must register its backward kernel too.
 */
export const FUSED_SPLINE = 'BijectiveRQSpline';
/** Backward kernel of {@link FUSED_SPLINE}. */
export const FUSED_SPLINE_GRAD = 'BijectiveRQSplineGrad';
/** Fused affine element map; see {@link FUSED_SPLINE}. */
export const FUSED_AFFINE = 'BijectiveAffineMap';
/** Backward kernel of {@link FUSED_AFFINE}. */
export const FUSED_AFFINE_GRAD = 'BijectiveAffineMapGrad';

/** Attributes of {@link FUSED_SPLINE} and {@link FUSED_SPLINE_GRAD} (see `SplineOptions`). */
export type FusedSplineAttrs = {
  readonly bins: number;
  readonly bound: number;
  readonly minBinSize: number;
  readonly minDerivative: number;
  /** zuko's `MonotonicRQSTransform` parametrization instead of the floored one. */
  readonly zuko: boolean;
  /** Run the inverse (base → data) instead of the forward map. */
  readonly inverse: boolean;
};

/** Attributes of {@link FUSED_AFFINE} and {@link FUSED_AFFINE_GRAD}. */
export type FusedAffineAttrs = {
  /** The soft clamp's bound on the log-scale (`-log 1e-3` in `affineMap`). */
  readonly bound: number;
  /** Run the inverse (base → data) instead of the forward map. */
  readonly inverse: boolean;
};

/**
 * Fused standard-normal log-density plus a log-det (optional per backend):
 * inputs `{ z: [B, D], logDet: [B] }` (float32), attribute `sign` (±1); output
 * `[B]` with `-½ Σⱼ zⱼ² - (D/2) log 2π + sign · logDet`, what a flow's
 * `logProb` (`sign = 1`) and `sampleAndLogProb` (`sign = -1`) end with. Its
 * backward kernel {@link STANDARD_NORMAL_LOG_PROB_GRAD} takes `{ z, dy: [B] }`
 * and the same attribute and returns `[dz = -z · dy, dLogDet = sign · dy]`.
 */
export const STANDARD_NORMAL_LOG_PROB = 'BijectiveStdNormalLogProb';
/** Backward kernel of {@link STANDARD_NORMAL_LOG_PROB}. */
export const STANDARD_NORMAL_LOG_PROB_GRAD = 'BijectiveStdNormalLogProbGrad';

/** Attributes of {@link FUSED_ADAM}: plain numbers, rounded to float32 by the kernel like tfjs scalars. */
export type FusedAdamAttrs = {
  readonly beta1: number;
  readonly beta2: number;
  /** `η · √(1-β₂ᵗ) / (1-β₁ᵗ)`. */
  readonly stepSize: number;
  /** `ε · √(1-β₂ᵗ)`. */
  readonly epsHat: number;
};

/**
 * Whether the active tfjs backend registered the fused kernel `name`.
 *
 * @example
 * ```ts
 * hasFusedKernel(FUSED_ADAM); // true on `native`, false on `cpu` and `wasm`
 * ```
 */
export const hasFusedKernel = (name: string): boolean =>
  tf.getKernel(name, tf.getBackend()) !== undefined;

/**
 * `Σᵢ Σ xᵢ²` over a list of tensors as a float32 scalar: the backend's
 * {@link SQUARED_NORM} kernel when it has one, else `addN(sum(square(xᵢ)))`.
 * Returns a new tensor (call inside `tf.tidy` or dispose it).
 *
 * @example
 * ```ts
 * const n2 = squaredNorm([tf.tensor([3]), tf.tensor([4])]); // 25
 * ```
 */
export const squaredNorm = (xs: readonly tf.Tensor[]): tf.Scalar => {
  if (xs.length === 0) return tf.scalar(0);
  if (hasFusedKernel(SQUARED_NORM)) {
    const inputs: Record<string, tf.Tensor> = {};
    xs.forEach((x, i) => (inputs[`x${i}`] = x));
    return tf.engine().runKernel(SQUARED_NORM, inputs, {}) as tf.Scalar;
  }
  return tf.tidy(
    () =>
      tf.addN(
        xs.map((x) => tf.sum(tf.square(x.dtype === 'float32' ? x : tf.cast(x, 'float32')))),
      ) as tf.Scalar,
  );
};

/**
 * Name of the fused ODE right-hand side with its exact trace (core's
 * `fieldTrace`; FFJORD's dynamics at small dims). Inputs: `z [B, D]`, per
 * layer `l < L` the weight `w{l} [d_l, d_{l+1}]`, and every layer's shift side
 * by side as `c [1 or B, d_1 + … + d_L]` (layer `l` reads its `d_{l+1}`
 * columns), with the scales `s` laid out the same way when `scaled` is 1
 * (`d₀ = d_L = D`). Attributes {@link FusedFieldTraceAttrs}. One output
 * `[B, D + 2]`: columns `0 … D-1` the field `f = pre_{L-1}`, column `D` its
 * divergence `tr(∂f/∂z)`, column `D + 1` the squared Frobenius norm
 * `‖∂f/∂z‖²_F`, per row, with `pre_l = (h_l W_l) ⊙ s_l + c_l`, `h₀ = z`,
 * `h_{l+1} = act(pre_l)`, and the Jacobian carried forward
 * (`∂h_{l+1}/∂z = ((∂h_l/∂z) W_l ⊙ s_l) ⊙ act'(pre_l)`).
 */
export const FUSED_FIELD_TRACE = 'BijectiveFieldTrace';

/**
 * Backward kernel of {@link FUSED_FIELD_TRACE}: the forward inputs plus
 * `dy [B, D + 2]` (the cotangent of the packed output); same attributes.
 * Outputs `dz`, `dw0 … dw{L-1}`, then `ds` (when scaled) and `dc`, each shaped
 * like its input (a one-row `s`/`c` gets the column sums).
 */
export const FUSED_FIELD_TRACE_GRAD = 'BijectiveFieldTraceGrad';

/** The activations of {@link FUSED_FIELD_TRACE} (continuous's second-order-safe set). */
export const FIELD_TRACE_ACTIVATIONS = ['tanh', 'softplus', 'sigmoid', 'swish', 'elu'] as const;

/** One of {@link FIELD_TRACE_ACTIVATIONS}. */
export type FieldTraceActivation = (typeof FIELD_TRACE_ACTIVATIONS)[number];

/** Attributes of {@link FUSED_FIELD_TRACE} and {@link FUSED_FIELD_TRACE_GRAD}. */
export type FusedFieldTraceAttrs = {
  /** Activation of the hidden layers (the last layer is linear). */
  readonly activation: FieldTraceActivation;
  /** Widths `d₀ … d_L` with `d₀ = d_L = D`. */
  readonly sizes: number[];
  /** 1 when the layers have scales (input `s`), else 0. */
  readonly scaled: number;
};
