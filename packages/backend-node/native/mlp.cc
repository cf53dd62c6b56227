// Fused MLP stack (core's BijectiveFusedMlp / BijectiveFusedMlpGrad): a whole dense or masked
// perceptron, forward or backward, in one call. The products run on the blocked GEMM of gemm.cc;
// this file only sequences the layers, applies masks, context terms, activations and their
// derivatives, so a MADE or coupling conditioner costs one engine call each way instead of a
// dozen tfjs kernels (and their saved-tensor clones) per layer.
#include <cmath>
#include <vector>

#include "kernels.h"
#include "scratch.h"

namespace bijective {
namespace {

// gemm's bias view for a [n] vector broadcast over rows.
BiasView row_bias(const float* b) {
  BiasView v;
  v.data = b;
  v.col_stride = 1;
  return v;
}

// The activations the GEMM epilogue applies itself (cheaper than a second pass).
Activation epilogue_activation(MlpActivation act) {
  switch (act) {
    case MlpActivation::Relu: return Activation::Relu;
    case MlpActivation::Sigmoid: return Activation::Sigmoid;
    case MlpActivation::Elu: return Activation::Elu;
    default: return Activation::Linear;
  }
}

// z <- act(z) in place, with the same scalar functions as the native elementwise kernels.
void activate(MlpActivation act, float* z, size_t n) {
  switch (act) {
    case MlpActivation::Relu: return unary(UnaryOp::Relu, z, z, n);
    case MlpActivation::Tanh: return unary(UnaryOp::Tanh, z, z, n);
    case MlpActivation::Softplus: return unary(UnaryOp::Softplus, z, z, n);
    case MlpActivation::Sigmoid: return unary(UnaryOp::Sigmoid, z, z, n);
    case MlpActivation::Elu:
      for (size_t i = 0; i < n; ++i) z[i] = z[i] > 0.0f ? z[i] : std::expm1(z[i]);
      return;
  }
}

// g <- g * act'(z) where y = act(z) is what the forward pass stored: relu 1[y > 0], tanh 1 - y²,
// sigmoid y(1 - y), elu 1 or y + 1 (tfjs's EluGrad), softplus σ(z) = 1 - e^{-y} = -expm1(-y).
void times_derivative(MlpActivation act, const float* y, float* g, size_t n) {
  switch (act) {
    case MlpActivation::Relu:
      for (size_t i = 0; i < n; ++i) g[i] = y[i] > 0.0f ? g[i] : 0.0f;
      return;
    case MlpActivation::Tanh:
      for (size_t i = 0; i < n; ++i) g[i] *= 1.0f - y[i] * y[i];
      return;
    case MlpActivation::Sigmoid:
      for (size_t i = 0; i < n; ++i) g[i] *= y[i] * (1.0f - y[i]);
      return;
    case MlpActivation::Elu:
      for (size_t i = 0; i < n; ++i) g[i] = y[i] < 0.0f ? g[i] * (y[i] + 1.0f) : g[i];
      return;
    case MlpActivation::Softplus:
      for (size_t i = 0; i < n; ++i) g[i] *= -std::expm1(-y[i]);
      return;
  }
}

// The layer's effective weight: W itself, or W ⊙ M in `scratch`.
const float* effective_weight(const MlpLayerView& layer, size_t size, std::vector<float>& scratch) {
  if (layer.mask == nullptr) return layer.w;
  scratch.resize(size);
  for (size_t i = 0; i < size; ++i) scratch[i] = layer.w[i] * layer.mask[i];
  return scratch.data();
}

// Temporaries kept per thread between calls (scratch.h): masked weights and context products.
struct ForwardScratch {
  std::vector<float> wm, cv;
  size_t bytes() const { return scratch_bytes(wm) + scratch_bytes(cv); }
};

// The backward pass's: the running cotangent g, the next one dh, masked weights, dc's product.
struct BackwardScratch {
  std::vector<float> g, dh, wm, tmp;
  size_t bytes() const { return scratch_bytes(g) + scratch_bytes(dh) + scratch_bytes(wm) + scratch_bytes(tmp); }
};

}  // namespace

void mlp_forward(const MlpShape& s, const float* x, const float* c, const MlpLayerView* layers,
                 float* const* outs) {
  const size_t batch = s.batch;
  ForwardScratch& scratch = thread_scratch<ForwardScratch>();
  std::vector<float>& wm = scratch.wm;
  std::vector<float>& cv = scratch.cv;
  const float* h = x;
  for (size_t l = 0; l < s.layers; ++l) {
    const size_t din = s.sizes[l], dout = s.sizes[l + 1];
    const MlpLayerView& layer = layers[l];
    const bool hidden = l + 1 < s.layers;
    const bool context = layer.v != nullptr && c != nullptr;
    const float* w = effective_weight(layer, din * dout, wm);
    float* z = outs[l];
    // z = h (W ⊙ M) + b, with the activation fused into the GEMM when nothing is added after it.
    const Activation fused = hidden && !context ? epilogue_activation(s.activation) : Activation::Linear;
    gemm(h, w, z, 1, 1, 1, batch, dout, din, false, false, row_bias(layer.b), fused, 0.0f);
    if (context) {
      cv.resize(batch * dout);
      gemm(c, layer.v, cv.data(), 1, 1, 1, batch, dout, s.context, false, false, BiasView{}, Activation::Linear,
           0.0f);
      for (size_t i = 0; i < batch * dout; ++i) z[i] += cv[i];
    }
    if (hidden && (context || fused == Activation::Linear)) activate(s.activation, z, batch * dout);
    h = z;
  }
  trim_scratch(scratch);
}

void mlp_backward(const MlpShape& s, const float* dy, const float* x, const float* c, const float* const* hidden,
                  const MlpLayerView* layers, float* dx, float* dc, const MlpGradView* grads) {
  const size_t batch = s.batch;
  BackwardScratch& scratch = thread_scratch<BackwardScratch>();
  std::vector<float>& g = scratch.g;
  std::vector<float>& dh = scratch.dh;
  std::vector<float>& wm = scratch.wm;
  std::vector<float>& tmp = scratch.tmp;
  g.assign(dy, dy + batch * s.sizes[s.layers]);
  if (dc != nullptr)
    for (size_t i = 0; i < batch * s.context; ++i) dc[i] = 0.0f;
  for (size_t l = s.layers; l-- > 0;) {
    const size_t din = s.sizes[l], dout = s.sizes[l + 1];
    const MlpLayerView& layer = layers[l];
    const MlpGradView& grad = grads[l];
    const float* hin = l == 0 ? x : hidden[l - 1];
    // g = ∂L/∂z_l [batch, dout]. dW = hinᵀ g (masked entries zeroed), db = Σ_rows g.
    gemm(hin, g.data(), grad.dw, 1, 1, 1, din, dout, batch, true, false, BiasView{}, Activation::Linear, 0.0f);
    if (layer.mask != nullptr)
      for (size_t i = 0; i < din * dout; ++i) grad.dw[i] *= layer.mask[i];
    for (size_t j = 0; j < dout; ++j) {
      double sum = 0.0;
      for (size_t r = 0; r < batch; ++r) sum += g[r * dout + j];
      grad.db[j] = float(sum);
    }
    if (layer.v != nullptr && c != nullptr) {
      // dV = cᵀ g, dc += g Vᵀ.
      if (grad.dv != nullptr)
        gemm(c, g.data(), grad.dv, 1, 1, 1, s.context, dout, batch, true, false, BiasView{}, Activation::Linear,
             0.0f);
      if (dc != nullptr) {
        tmp.resize(batch * s.context);
        gemm(g.data(), layer.v, tmp.data(), 1, 1, 1, batch, s.context, dout, false, true, BiasView{},
             Activation::Linear, 0.0f);
        for (size_t i = 0; i < batch * s.context; ++i) dc[i] += tmp[i];
      }
    }
    // ∂L/∂h_in = g (W ⊙ M)ᵀ; through the previous layer's activation unless h_in is the input.
    const float* w = effective_weight(layer, din * dout, wm);
    float* target = dx;
    if (l > 0) {
      dh.resize(batch * din);
      target = dh.data();
    }
    if (target != nullptr)
      gemm(g.data(), w, target, 1, 1, 1, batch, din, dout, false, true, BiasView{}, Activation::Linear, 0.0f);
    if (l > 0) {
      times_derivative(s.activation, hidden[l - 1], dh.data(), batch * din);
      g.swap(dh);
    }
  }
  trim_scratch(scratch);
}

}  // namespace bijective
