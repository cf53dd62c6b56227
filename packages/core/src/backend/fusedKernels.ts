import { tf } from '../tf.js';

/**
 * Optional fused kernels a backend plugin may register with tfjs
 * (`tf.registerKernel({ kernelName, backendName, kernelFunc })`). Core calls
 * one when the active backend has it and otherwise runs the same maths as
 * ordinary tfjs ops, so every backend gives the same numbers and a backend
 * only registers what it can do faster (the native backend does; wasm and cpu
 * use the composite ops). Neither kernel needs a gradient: both run on
 * gradients after autodiff.
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

/** Name of the fused squared global norm kernel; see {@link FUSED_ADAM}. */
export const SQUARED_NORM = 'BijectiveSquaredNorm';

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
