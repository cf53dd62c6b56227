// Fused ODE right-hand side with its exact trace (core's BijectiveFieldTrace / BijectiveFieldTraceGrad):
// a stack of scaled-and-shifted dense layers, pre_l = (h_l W_l) ⊙ s_l + c_l, h_{l+1} = act(pre_l),
// evaluated together with its D x D Jacobian by forward-mode propagation (J_l = ∂h_l/∂z as
// [D, batch, width]), so the value, the divergence tr(∂f/∂z) and ‖∂f/∂z‖²_F come out of one call.
// The backward call reruns the forward (keeping its intermediates) and then propagates the
// cotangents of the packed output [value | divergence | frobenius] back to z, W, s and c.
// The products run on the blocked GEMM of gemm.cc.
#include <cmath>
#include <vector>

#include "kernels.h"
#include "scratch.h"

namespace bijective {
namespace {

// act(p), act'(p) and, when d2 is given, act''(p), elementwise over n values.
void activation_derivatives(FieldTraceActivation act, const float* p, float* y, float* d1, float* d2, size_t n) {
  switch (act) {
    case FieldTraceActivation::Tanh:
      unary(UnaryOp::Tanh, p, y, n);
      for (size_t i = 0; i < n; ++i) {
        d1[i] = 1.0f - y[i] * y[i];
        if (d2 != nullptr) d2[i] = -2.0f * y[i] * d1[i];
      }
      return;
    case FieldTraceActivation::Sigmoid:
      unary(UnaryOp::Sigmoid, p, y, n);
      for (size_t i = 0; i < n; ++i) {
        d1[i] = y[i] * (1.0f - y[i]);
        if (d2 != nullptr) d2[i] = d1[i] * (1.0f - 2.0f * y[i]);
      }
      return;
    case FieldTraceActivation::Softplus:
      unary(UnaryOp::Softplus, p, y, n);
      unary(UnaryOp::Sigmoid, p, d1, n);
      if (d2 != nullptr)
        for (size_t i = 0; i < n; ++i) d2[i] = d1[i] * (1.0f - d1[i]);
      return;
    case FieldTraceActivation::Swish:
      unary(UnaryOp::Sigmoid, p, d1, n);  // σ(p) for now
      for (size_t i = 0; i < n; ++i) {
        const float s = d1[i], x = p[i], ds = s * (1.0f - s);
        y[i] = x * s;
        d1[i] = s + x * ds;
        if (d2 != nullptr) d2[i] = ds * (2.0f + x * (1.0f - 2.0f * s));
      }
      return;
    case FieldTraceActivation::Elu:
      unary(UnaryOp::Elu, p, y, n);
      for (size_t i = 0; i < n; ++i) {
        const float e = p[i] > 0.0f ? 1.0f : std::exp(p[i]);
        d1[i] = e;
        if (d2 != nullptr) d2[i] = p[i] > 0.0f ? 0.0f : e;
      }
      return;
  }
}

// Row r of a [rows, width] per-row term (rows is 1 or batch).
inline const float* row_of(const float* v, size_t rows, size_t r, size_t stride) {
  return v + (rows == 1 ? 0 : r) * stride;
}

// Everything the forward keeps for the backward, per layer l.
struct Tape {
  std::vector<std::vector<float>> h;     // h_l [B, d_l] (h_0 is z, not stored)
  std::vector<std::vector<float>> a;     // h_l W_l [B, d_{l+1}]
  std::vector<std::vector<float>> pre;   // pre_l [B, d_{l+1}]
  std::vector<std::vector<float>> t;     // J_l W_l [D, B, d_{l+1}] (l >= 1)
  std::vector<std::vector<float>> jpre;  // ∂pre_l/∂z [D, B, d_{l+1}]
  std::vector<std::vector<float>> jac;   // J_l = ∂h_l/∂z [D, B, d_l] (l >= 1)
  std::vector<std::vector<float>> d1;    // act'(pre_l) (hidden layers)
  std::vector<std::vector<float>> d2;    // act''(pre_l) (hidden layers, backward only)
  size_t bytes() const {
    size_t n = 0;
    for (const auto* v : {&h, &a, &pre, &t, &jpre, &jac, &d1, &d2}) n += scratch_bytes(*v);
    return n;
  }
};

// The forward pass; fills `tape` and returns ∂f/∂z [D, B, D] in tape.jpre.back(), f in tape.pre.back().
void run_forward(const FieldTraceShape& s, const float* z, const FieldTraceLayerView* layers, Tape& tape,
                 bool second) {
  const size_t B = s.batch, D = s.sizes[0], L = s.layers;
  for (auto* v : {&tape.h, &tape.a, &tape.pre, &tape.t, &tape.jpre, &tape.jac, &tape.d1, &tape.d2})
    v->resize(L);
  for (size_t l = 0; l < L; ++l) {
    const size_t din = s.sizes[l], dout = s.sizes[l + 1];
    const FieldTraceLayerView& layer = layers[l];
    const float* h = l == 0 ? z : tape.h[l].data();
    std::vector<float>& a = tape.a[l];
    std::vector<float>& pre = tape.pre[l];
    a.resize(B * dout);
    pre.resize(B * dout);
    gemm(h, layer.w, a.data(), 1, 1, 1, B, dout, din, false, false, BiasView{}, Activation::Linear, 0.0f);
    for (size_t r = 0; r < B; ++r) {
      const float* sc = layer.s == nullptr ? nullptr : row_of(layer.s, layer.s_rows, r, layer.stride);
      const float* sh = row_of(layer.c, layer.c_rows, r, layer.stride);
      for (size_t k = 0; k < dout; ++k) {
        const float v = a[r * dout + k];
        pre[r * dout + k] = (sc == nullptr ? v : v * sc[k]) + sh[k];
      }
    }
    // ∂pre/∂zᵢ = (J_l W_l)ᵢ ⊙ s; for l = 0, J_0 = I and (J_0 W_0)ᵢ is row i of W_0.
    std::vector<float>& jp = tape.jpre[l];
    jp.resize(D * B * dout);
    if (l > 0) {
      tape.t[l].resize(D * B * dout);
      gemm(tape.jac[l].data(), layer.w, tape.t[l].data(), 1, 1, 1, D * B, dout, din, false, false, BiasView{},
           Activation::Linear, 0.0f);
    }
    for (size_t i = 0; i < D; ++i)
      for (size_t r = 0; r < B; ++r) {
        const float* tr = l == 0 ? layer.w + i * dout : tape.t[l].data() + (i * B + r) * dout;
        const float* sc = layer.s == nullptr ? nullptr : row_of(layer.s, layer.s_rows, r, layer.stride);
        float* out = jp.data() + (i * B + r) * dout;
        for (size_t k = 0; k < dout; ++k) out[k] = sc == nullptr ? tr[k] : tr[k] * sc[k];
      }
    if (l + 1 == L) break;
    std::vector<float>& hn = tape.h[l + 1];
    std::vector<float>& d1 = tape.d1[l];
    hn.resize(B * dout);
    d1.resize(B * dout);
    if (second) tape.d2[l].resize(B * dout);
    activation_derivatives(s.activation, pre.data(), hn.data(), d1.data(), second ? tape.d2[l].data() : nullptr,
                           B * dout);
    std::vector<float>& jn = tape.jac[l + 1];
    jn.resize(D * B * dout);
    for (size_t i = 0; i < D; ++i)
      for (size_t q = 0; q < B * dout; ++q) jn[i * B * dout + q] = jp[i * B * dout + q] * d1[q];
  }
}

// The backward's cotangents, kept per thread like the tape (scratch.h).
struct GradScratch {
  std::vector<float> g_pre, g_jpre, g_a, g_t, g_h, g_j, tmp;
  std::vector<double> ds;
  size_t bytes() const {
    size_t n = scratch_bytes(ds);
    for (const auto* v : {&g_pre, &g_jpre, &g_a, &g_t, &g_h, &g_j, &tmp}) n += scratch_bytes(*v);
    return n;
  }
};

}  // namespace

void field_trace(const FieldTraceShape& s, const float* z, const FieldTraceLayerView* layers, float* out) {
  const size_t B = s.batch, D = s.sizes[0];
  // The tape is kept per thread (scratch.h): allocating and page-faulting its megabytes afresh on
  // every call cost more than the arithmetic.
  Tape& tape = thread_scratch<Tape>();
  run_forward(s, z, layers, tape, false);
  const std::vector<float>& f = tape.pre.back();
  const std::vector<float>& jac = tape.jpre.back();  // [D (input i), B, D (output k)]
  for (size_t r = 0; r < B; ++r) {
    float* o = out + r * (D + 2);
    double div = 0.0, frob = 0.0;
    for (size_t k = 0; k < D; ++k) o[k] = f[r * D + k];
    for (size_t i = 0; i < D; ++i) {
      const float* row = jac.data() + (i * B + r) * D;
      div += row[i];
      for (size_t k = 0; k < D; ++k) frob += double(row[k]) * row[k];
    }
    o[D] = float(div);
    o[D + 1] = float(frob);
  }
  trim_scratch(tape);
}

void field_trace_grad(const FieldTraceShape& s, const float* z, const FieldTraceLayerView* layers, const float* dy,
                      float* dz, const FieldTraceGradView* grads) {
  const size_t B = s.batch, D = s.sizes[0], L = s.layers;
  Tape& tape = thread_scratch<Tape>();
  run_forward(s, z, layers, tape, true);
  // Cotangents of pre_{L-1} (the value) and of ∂pre_{L-1}/∂z (through divergence and Frobenius norm).
  GradScratch& scratch = thread_scratch<GradScratch>();
  std::vector<float>& g_pre = scratch.g_pre;
  std::vector<float>& g_jpre = scratch.g_jpre;
  std::vector<float>& g_a = scratch.g_a;
  std::vector<float>& g_t = scratch.g_t;
  std::vector<float>& g_h = scratch.g_h;
  std::vector<float>& g_j = scratch.g_j;
  std::vector<float>& tmp = scratch.tmp;
  g_pre.resize(B * D);
  g_jpre.resize(D * B * D);
  {
    const std::vector<float>& jac = tape.jpre.back();
    for (size_t r = 0; r < B; ++r) {
      const float* o = dy + r * (D + 2);
      for (size_t k = 0; k < D; ++k) g_pre[r * D + k] = o[k];
      for (size_t i = 0; i < D; ++i)
        for (size_t k = 0; k < D; ++k) {
          const size_t q = (i * B + r) * D + k;
          g_jpre[q] = 2.0f * o[D + 1] * jac[q] + (i == k ? o[D] : 0.0f);
        }
    }
  }
  for (size_t l = L; l-- > 0;) {
    const size_t din = s.sizes[l], dout = s.sizes[l + 1];
    const FieldTraceLayerView& layer = layers[l];
    const FieldTraceGradView& grad = grads[l];
    const float* h = l == 0 ? z : tape.h[l].data();
    // Shift: dc = g_pre (summed over rows when c has one row).
    for (size_t rr = 0; rr < layer.c_rows; ++rr)
      for (size_t k = 0; k < dout; ++k) grad.dc[rr * layer.stride + k] = 0.0f;
    for (size_t r = 0; r < B; ++r) {
      float* dc = grad.dc + (layer.c_rows == 1 ? 0 : r) * layer.stride;
      for (size_t k = 0; k < dout; ++k) dc[k] += g_pre[r * dout + k];
    }
    // Scale: ds = g_pre ⊙ a + Σᵢ g_jpreᵢ ⊙ Tᵢ; and g_a = g_pre ⊙ s, g_t = g_jpre ⊙ s.
    g_a.assign(g_pre.begin(), g_pre.end());
    g_t.assign(g_jpre.begin(), g_jpre.end());
    if (layer.s != nullptr) {
      std::vector<double>& ds = scratch.ds;
      ds.assign(layer.s_rows * dout, 0.0);
      for (size_t r = 0; r < B; ++r) {
        double* dsr = ds.data() + (layer.s_rows == 1 ? 0 : r) * dout;
        const float* sc = row_of(layer.s, layer.s_rows, r, layer.stride);
        for (size_t k = 0; k < dout; ++k) {
          const size_t q = r * dout + k;
          dsr[k] += double(g_pre[q]) * tape.a[l][q];
          g_a[q] = g_pre[q] * sc[k];
        }
        for (size_t i = 0; i < D; ++i) {
          const size_t base = (i * B + r) * dout;
          const float* tr = l == 0 ? layer.w + i * dout : tape.t[l].data() + base;
          for (size_t k = 0; k < dout; ++k) {
            dsr[k] += double(g_jpre[base + k]) * tr[k];
            g_t[base + k] = g_jpre[base + k] * sc[k];
          }
        }
      }
      for (size_t rr = 0; rr < layer.s_rows; ++rr)
        for (size_t k = 0; k < dout; ++k) grad.ds[rr * layer.stride + k] = float(ds[rr * dout + k]);
    }
    // W: dW = hᵀ g_a + J_lᵀ g_t (for l = 0, J_0 = I: row i of dW gains Σ_r g_tᵢ).
    gemm(h, g_a.data(), grad.dw, 1, 1, 1, din, dout, B, true, false, BiasView{}, Activation::Linear, 0.0f);
    if (l == 0) {
      for (size_t i = 0; i < D; ++i)
        for (size_t k = 0; k < dout; ++k) {
          double sum = 0.0;
          for (size_t r = 0; r < B; ++r) sum += g_t[(i * B + r) * dout + k];
          grad.dw[i * dout + k] += float(sum);
        }
      // z: only through h_0 (J_0 does not depend on z).
      if (dz != nullptr)
        gemm(g_a.data(), layer.w, dz, 1, 1, 1, B, din, dout, false, true, BiasView{}, Activation::Linear, 0.0f);
      break;
    }
    tmp.resize(din * dout);
    gemm(tape.jac[l].data(), g_t.data(), tmp.data(), 1, 1, 1, din, dout, D * B, true, false, BiasView{},
         Activation::Linear, 0.0f);
    for (size_t q = 0; q < din * dout; ++q) grad.dw[q] += tmp[q];
    // Back to layer l - 1: g_h = g_a Wᵀ, g_J = g_t Wᵀ, then through h_l = act(pre), J_l = jpre ⊙ act'(pre).
    g_h.resize(B * din);
    g_j.resize(D * B * din);
    gemm(g_a.data(), layer.w, g_h.data(), 1, 1, 1, B, din, dout, false, true, BiasView{}, Activation::Linear, 0.0f);
    gemm(g_t.data(), layer.w, g_j.data(), 1, 1, 1, D * B, din, dout, false, true, BiasView{}, Activation::Linear,
         0.0f);
    const std::vector<float>& d1 = tape.d1[l - 1];
    const std::vector<float>& d2 = tape.d2[l - 1];
    const std::vector<float>& jp = tape.jpre[l - 1];
    g_pre.resize(B * din);
    g_jpre.resize(D * B * din);
    for (size_t q = 0; q < B * din; ++q) {
      double cross = 0.0;
      for (size_t i = 0; i < D; ++i) cross += double(g_j[i * B * din + q]) * jp[i * B * din + q];
      g_pre[q] = g_h[q] * d1[q] + float(cross) * d2[q];
    }
    for (size_t i = 0; i < D; ++i)
      for (size_t q = 0; q < B * din; ++q) g_jpre[i * B * din + q] = g_j[i * B * din + q] * d1[q];
  }
  trim_scratch(tape);
  trim_scratch(scratch);
}

}  // namespace bijective
