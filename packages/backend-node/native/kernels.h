// Declarations of the numeric kernels the N-API layer (addon.cc) exposes.
// All arrays are dense row-major float32 owned by the caller (tfjs's
// Float32Array storage); nothing here allocates tensors.
#pragma once
#include <cstddef>
#include <cstdint>

namespace bijective {

enum class Activation : int { Linear = 0, Relu = 1, Relu6 = 2, Sigmoid = 3, Elu = 4, LeakyRelu = 5 };

/** Strided view of an optional bias added to every [M, N] output matrix. */
struct BiasView {
  const float* data = nullptr;  // nullptr: no bias
  ptrdiff_t batch_stride = 0;
  ptrdiff_t row_stride = 0;
  ptrdiff_t col_stride = 0;
};

/**
 * out[b] = act(op(A[b % batchA]) @ op(B[b % batchB]) + bias), b < batch, where
 * op transposes when the flag is set. A is stored [batchA, M, K] (or
 * [batchA, K, M] transposed), B [batchB, K, N] (or [batchB, N, K]).
 */
void gemm(const float* a, const float* b, float* out, size_t batch, size_t batch_a, size_t batch_b,
          size_t m, size_t n, size_t k, bool trans_a, bool trans_b, const BiasView& bias,
          Activation act, float alpha);

/** Whether the AVX2+FMA micro-kernel is in use (else the portable one). */
bool gemm_uses_avx2();
/** Request the portable kernel (true) or the best the CPU supports (false). */
void gemm_force_portable(bool portable);
/** Whether this CPU supports AVX2 and FMA. */
bool cpu_has_avx2_fma();
/** Whether full 12 x 16 tiles use the AVX-512 kernel (CPU support, not disabled, not portable). */
bool gemm_uses_avx512();
/** Allow the AVX-512 tile kernel where the CPU has it (true, the default) or keep to AVX2 (false). */
void gemm_enable_avx512(bool enabled);

enum class BinaryOp : int { Add = 0, Sub = 1, Mul = 2, Div = 3, Max = 4, Min = 5, SquaredDiff = 6 };

/**
 * out = op(a, b) with broadcasting: `rank` collapsed output dims `shape`, and
 * element strides of a and b over those dims (0 where broadcast).
 */
void binary(BinaryOp op, const float* a, const float* b, float* out, size_t rank, const int64_t* shape,
            const int64_t* stride_a, const int64_t* stride_b);

enum class UnaryOp : int {
  Exp = 0, Log = 1, Tanh = 2, Softplus = 3, Sigmoid = 4, Sqrt = 5, Square = 6, Neg = 7, Relu = 8, Abs = 9, Elu = 10
};

/** out[i] = op(x[i]) for i < n. */
void unary(UnaryOp op, const float* x, float* out, size_t n);

enum class ReduceOp : int { Sum = 0, Max = 1 };

/** x viewed as [outer, red, inner]; out[o, i] = reduce_r x[o, r, i]. */
void reduce(ReduceOp op, const float* x, float* out, size_t outer, size_t red, size_t inner);

}  // namespace bijective

namespace bijective {

/**
 * Strided copy over `rank` dims `shape`: out[sum i_d*so_d] = x[sum i_d*sx_d].
 * Slice, Transpose, SplitV, Concat and PadV2 are this copy with different
 * strides and base offsets (the caller passes offset views).
 */
void strided_copy(const float* x, float* out, size_t rank, const int64_t* shape, const int64_t* sx,
                  const int64_t* so);

/** Row softmax: x viewed as [rows, cols]; out[r, c] = exp(x[r, c] - max_r) / sum_r exp(.). */
void softmax(const float* x, float* out, size_t rows, size_t cols);

}  // namespace bijective

namespace bijective {

enum class CompareOp : int { Greater = 0, GreaterEqual = 1, Less = 2, LessEqual = 3, Equal = 4, NotEqual = 5 };

/** Broadcasting comparison, out (bool as uint8) = op(a, b) over strided dims, like `binary`. */
void compare(CompareOp op, const float* a, const float* b, uint8_t* out, size_t rank, const int64_t* shape,
             const int64_t* stride_a, const int64_t* stride_b);

/** out[i] = cond[i] ? t[i] : e[i] (all of length n). */
void select(const uint8_t* cond, const float* t, const float* e, float* out, size_t n);

/** x viewed as [outer, dim, inner]; out[o, j, i] = x[o, idx[j], i] for j < nidx (indices already checked). */
void gather(const float* x, const int32_t* idx, float* out, size_t outer, size_t dim, size_t inner, size_t nidx);

/** Cumulative sum along the last axis of x viewed as [rows, cols] (exclusive / reverse as tf.cumsum). */
void cumsum(const float* x, float* out, size_t rows, size_t cols, bool exclusive, bool reverse);

}  // namespace bijective

namespace bijective {

enum class ParamOp : int { Step = 0, Clip = 1 };

/**
 * Elementwise ops with scalar attributes: Step out = NaN | (x > 0 ? 1 : p0);
 * Clip out = x > p1 ? p1 : (x < p0 ? p0 : x), compared in double like the JS kernels.
 */
void unary_param(ParamOp op, const float* x, float* out, size_t n, double p0, double p1);

}  // namespace bijective

namespace bijective {

/** Adam's constants, each already rounded to float32 as tfjs's scalar operands are. */
struct AdamConstants {
  float beta1, one_minus_beta1, beta2, one_minus_beta2, step_size, eps_hat;
};

/**
 * One fused Adam update of n parameters: m' = β₁m + (1-β₁)g, v' = β₂v + (1-β₂)g²,
 * p' = p - stepSize · m' / (√v' + ε̂), in float32 in the order of core's composite adamStep.
 */
void adam(const float* p, const float* m, const float* v, const float* g, float* p_out, float* m_out,
          float* v_out, size_t n, const AdamConstants& c);

/** Σ x[i]², accumulated in double. */
double sum_squares(const float* x, size_t n);

}  // namespace bijective

namespace bijective {

/** Hidden activations of the fused MLP stack (mlp.cc); codes shared with the JS kernel. */
enum class MlpActivation : int { Relu = 0, Tanh = 1, Softplus = 2, Sigmoid = 3, Elu = 4 };

/** Sizes of a fused MLP stack: `layers` products from sizes[0] to sizes[layers], `context` columns of c. */
struct MlpShape {
  size_t batch = 0;
  size_t layers = 0;
  const size_t* sizes = nullptr;  // layers + 1 widths
  size_t context = 0;             // 0: no context
  MlpActivation activation = MlpActivation::Relu;
};

/** One layer's operands: w [in, out], b [out], optional mask [in, out] and context weight v [context, out]. */
struct MlpLayerView {
  const float* w = nullptr;
  const float* b = nullptr;
  const float* mask = nullptr;
  const float* v = nullptr;
};

/** One layer's gradient outputs (dv is nullptr when the layer has no context weight). */
struct MlpGradView {
  float* dw = nullptr;
  float* db = nullptr;
  float* dv = nullptr;
};

/**
 * Forward pass: h_0 = x, z_l = h_l (W_l ⊙ M_l) + b_l [+ c V_l], h_{l+1} = act(z_l) for hidden
 * layers, the last one linear. outs[l] receives h_{l+1} ([batch, sizes[l+1]]); outs[layers-1] is
 * the network's output.
 */
void mlp_forward(const MlpShape& s, const float* x, const float* c, const MlpLayerView* layers, float* const* outs);

/**
 * Backward pass from dy = ∂L/∂out and the hidden outputs of mlp_forward (hidden[l] = h_{l+1}):
 * dW_l = h_lᵀ g_l ⊙ M_l, db_l = Σ_rows g_l, dV_l = cᵀ g_l, dc = Σ_l g_l V_lᵀ, dx = g_0 (W_0 ⊙ M_0)ᵀ,
 * with g_{L-1} = dy and g_{l-1} = g_l (W_l ⊙ M_l)ᵀ ⊙ act'(h_l). dx and dc may be nullptr.
 */
void mlp_backward(const MlpShape& s, const float* dy, const float* x, const float* c, const float* const* hidden,
                  const MlpLayerView* layers, float* dx, float* dc, const MlpGradView* grads);
/** Settings of the fused rational-quadratic spline (core's FUSED_SPLINE attributes). */
struct SplineSettings {
  size_t bins;
  double bound, min_bin_size, min_derivative;
  bool zuko, inverse;
};

/**
 * Rational-quadratic spline (Durkan et al. 2019) of core's rationalQuadraticSpline(Inverse):
 * x [rows, dim], raw [rows, dim, 3K-1]; writes out, lad [rows, dim] and log_det [rows] (row sums).
 * Inputs with |x| > bound (or NaN) pass through with lad 0. Double arithmetic, float32 storage.
 */
void spline(const float* x, const float* raw, float* out, float* lad, float* log_det, size_t rows, size_t dim,
            const SplineSettings& s);

/**
 * Gradient of `spline` given the cotangents (each may be nullptr = zero): d_out, d_lad [rows, dim],
 * d_log_det [rows]; writes dx [rows, dim] and d_raw [rows, dim, 3K-1], as autodiff of the composite
 * ops gives them (bins fixed, clamps passing the gradient inside their closed range).
 */
void spline_grad(const float* x, const float* raw, const float* d_out, const float* d_lad,
                 const float* d_log_det, float* dx, float* d_raw, size_t rows, size_t dim,
                 const SplineSettings& s);

/**
 * Affine element map with zuko's soft-clamped log-scale s = a / (1 + |a|/bound), raw [rows, dim, 2]
 * = (shift, a): forward out = x·eˢ + shift, lad = s; inverse out = (x - shift)·e⁻ˢ, lad = -s;
 * log_det [rows] the row sums.
 */
void affine(const float* x, const float* raw, float* out, float* lad, float* log_det, size_t rows, size_t dim,
            double bound, bool inverse);

/** Gradient of `affine` (cotangents may be nullptr = zero); writes dx [rows, dim], d_raw [rows, dim, 2]. */
void affine_grad(const float* x, const float* raw, const float* d_out, const float* d_lad,
                 const float* d_log_det, float* dx, float* d_raw, size_t rows, size_t dim, double bound,
                 bool inverse);

}  // namespace bijective

namespace bijective {

/** out[r] = -½ Σⱼ z[r, j]² - (dim/2) log 2π + sign · log_det[r] (core's STANDARD_NORMAL_LOG_PROB). */
void std_normal_log_prob(const float* z, const float* log_det, float* out, size_t rows, size_t dim, double sign);

/** Its gradient: dz[r, j] = -z[r, j] · dy[r], d_log_det[r] = sign · dy[r]. */
void std_normal_log_prob_grad(const float* z, const float* dy, float* dz, float* d_log_det, size_t rows, size_t dim,
                              double sign);

}  // namespace bijective

namespace bijective {

/** Hidden activations of the fused field trace (fieldtrace.cc); codes shared with the JS kernel. */
enum class FieldTraceActivation : int { Tanh = 0, Softplus = 1, Sigmoid = 2, Swish = 3, Elu = 4 };

/** Sizes of a fused field trace: `layers` products from sizes[0] = D back to sizes[layers] = D. */
struct FieldTraceShape {
  size_t batch = 0;
  size_t layers = 0;
  const size_t* sizes = nullptr;  // layers + 1 widths
  FieldTraceActivation activation = FieldTraceActivation::Tanh;
};

/**
 * One layer: w [in, out], optional scale s and shift c: `out` columns of a row-major
 * [rows, stride] matrix (rows 1 or batch) holding every layer's scales (or shifts) side by side.
 */
struct FieldTraceLayerView {
  const float* w = nullptr;
  const float* s = nullptr;
  size_t s_rows = 1;
  const float* c = nullptr;
  size_t c_rows = 1;
  size_t stride = 0;
};

/** One layer's gradients, laid out like its operands (ds is unused without a scale). */
struct FieldTraceGradView {
  float* dw = nullptr;
  float* ds = nullptr;
  float* dc = nullptr;
};

/**
 * pre_l = (h_l W_l) ⊙ s_l + c_l, h_0 = z, h_{l+1} = act(pre_l), f = pre_{L-1}, with ∂f/∂z carried
 * forward; out [batch, D + 2] receives f, tr(∂f/∂z) and ‖∂f/∂z‖²_F per row.
 */
void field_trace(const FieldTraceShape& s, const float* z, const FieldTraceLayerView* layers, float* out);

/** Gradients of field_trace from dy [batch, D + 2]: dz (may be nullptr) and every layer's dW, ds, dc. */
void field_trace_grad(const FieldTraceShape& s, const float* z, const FieldTraceLayerView* layers, const float* dy,
                      float* dz, const FieldTraceGradView* grads);

}  // namespace bijective
