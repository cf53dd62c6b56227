// Broadcasting binary ops, unary math and axis reductions on float32 arrays.
// Work is split over the pool only above a size threshold; below it, waking
// threads costs more than the loop.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels.h"
#include "simd_exp.h"
#include "thread_pool.h"

namespace bijective {
namespace {

constexpr size_t PARALLEL_ELEMS = size_t(1) << 16;
constexpr size_t CHUNK = size_t(1) << 14;
// A job this many times its parallel threshold is worth waking a sleeping worker for.
constexpr size_t WAKE_FACTOR = 4;

// Runs body(begin, end) over [0, n) in chunks, on the pool when n is large. Sleeping workers are
// woken only from four times `min_parallel` (below that, only a still-spinning worker joins).
template <typename Body>
void parallel_range(size_t n, size_t min_parallel, const Body& body) {
  const size_t threads = pool().size();
  if (threads <= 1 || n < min_parallel) {
    body(size_t(0), n);
    return;
  }
  const size_t chunks = std::max(threads, (n + CHUNK - 1) / CHUNK);
  const size_t per = (n + chunks - 1) / chunks;
  pool().run(
      chunks,
      [&](size_t c) {
        const size_t begin = c * per;
        const size_t end = std::min(n, begin + per);
        if (begin < end) body(begin, end);
      },
      n >= WAKE_FACTOR * min_parallel);
}

inline float js_max(float x, float y) {
  if (std::isnan(x) || std::isnan(y)) return std::numeric_limits<float>::quiet_NaN();
  return x > y ? x : y;
}
inline float js_min(float x, float y) {
  if (std::isnan(x) || std::isnan(y)) return std::numeric_limits<float>::quiet_NaN();
  return x < y ? x : y;
}

template <BinaryOp OP>
inline float apply(float x, float y) {
  if constexpr (OP == BinaryOp::Add) return x + y;
  if constexpr (OP == BinaryOp::Sub) return x - y;
  if constexpr (OP == BinaryOp::Mul) return x * y;
  if constexpr (OP == BinaryOp::Div) return x / y;
  if constexpr (OP == BinaryOp::Max) return js_max(x, y);
  if constexpr (OP == BinaryOp::Min) return js_min(x, y);
  if constexpr (OP == BinaryOp::SquaredDiff) return (x - y) * (x - y);
  return 0.0f;
}

// The innermost dim, specialised on whether each operand advances (stride 1) or is broadcast (stride 0).
template <BinaryOp OP>
inline void row(const float* a, int64_t sa, const float* b, int64_t sb, float* out, size_t len) {
  if (sa == 1 && sb == 1) {
    for (size_t j = 0; j < len; ++j) out[j] = apply<OP>(a[j], b[j]);
  } else if (sa == 1 && sb == 0) {
    const float y = b[0];
    for (size_t j = 0; j < len; ++j) out[j] = apply<OP>(a[j], y);
  } else if (sa == 0 && sb == 1) {
    const float x = a[0];
    for (size_t j = 0; j < len; ++j) out[j] = apply<OP>(x, b[j]);
  } else {
    for (size_t j = 0; j < len; ++j) out[j] = apply<OP>(a[j * sa], b[j * sb]);
  }
}

template <BinaryOp OP>
void binary_impl(const float* a, const float* b, float* out, size_t rank, const int64_t* shape, const int64_t* sa,
                 const int64_t* sb) {
  if (rank == 0) {
    out[0] = apply<OP>(a[0], b[0]);
    return;
  }
  const size_t len = size_t(shape[rank - 1]);
  size_t rows = 1;
  for (size_t d = 0; d + 1 < rank; ++d) rows *= size_t(shape[d]);
  if (rows == 1) {
    // One long row: split it.
    parallel_range(len, PARALLEL_ELEMS, [&](size_t begin, size_t end) {
      row<OP>(a + int64_t(begin) * sa[rank - 1], sa[rank - 1], b + int64_t(begin) * sb[rank - 1], sb[rank - 1],
              out + begin, end - begin);
    });
    return;
  }
  const size_t min_rows = std::max<size_t>(1, PARALLEL_ELEMS / std::max<size_t>(1, len));
  parallel_range(rows, min_rows, [&](size_t begin, size_t end) {
    for (size_t r = begin; r < end; ++r) {
      int64_t oa = 0, ob = 0;
      size_t rest = r;
      for (size_t d = rank - 1; d-- > 0;) {
        const size_t idx = rest % size_t(shape[d]);
        rest /= size_t(shape[d]);
        oa += int64_t(idx) * sa[d];
        ob += int64_t(idx) * sb[d];
      }
      row<OP>(a + oa, sa[rank - 1], b + ob, sb[rank - 1], out + r * len, len);
    }
  });
}

// tfjs-backend-cpu's softplus, with its thresholds so both backends agree.
inline float softplus(float x) {
  const float epsilon = 1.1920928955078125e-7f;
  const float threshold = std::log(epsilon) + 2.0f;
  if (x > -threshold) return x;
  const float e = std::exp(x);
  if (x < threshold) return e;
  return std::log1p(e);
}


// ELU, x >= 0 ? x : expm1(x), four lanes at a time with SSE2 (baseline on x86-64; tfjs-backend-wasm's
// XNNPACK ELU is vectorised too, and the scalar expm1 loop was ~6x slower). NaN stays NaN.
void elu_range(const float* x, float* out, size_t begin, size_t end) {
  size_t i = begin;
#if defined(__SSE2__)
  const __m128 zero = _mm_setzero_ps();
  for (; i + 4 <= end; i += 4) {
    const __m128 v = _mm_loadu_ps(x + i);
    const __m128 em1 = expm1_nonpositive(_mm_min_ps(v, zero));
    const __m128 keep = _mm_or_ps(_mm_cmpge_ps(v, zero), _mm_cmpunord_ps(v, v));  // x >= 0 or NaN: x
    _mm_storeu_ps(out + i, _mm_or_ps(_mm_and_ps(keep, v), _mm_andnot_ps(keep, em1)));
  }
#endif
  for (; i < end; ++i) out[i] = x[i] >= 0.0f ? x[i] : std::expm1(x[i]);
}

// tanh(x) = sign(x) * -e / (2 + e) with e = expm1(-2|x|), four lanes at a time (glibc's scalar tanhf
// was the largest kernel of an FFJORD solve). Accurate near 0 (no 1 - 2/(exp + 1) cancellation);
// NaN stays NaN, -0 stays -0.
void tanh_range(const float* x, float* out, size_t begin, size_t end) {
  size_t i = begin;
#if defined(__SSE2__)
  const __m128 sign = _mm_set1_ps(-0.0f);
  for (; i + 4 <= end; i += 4) {
    const __m128 v = _mm_loadu_ps(x + i);
    const __m128 a = _mm_andnot_ps(sign, v);
    const __m128 e = expm1_nonpositive(_mm_mul_ps(a, _mm_set1_ps(-2.0f)));
    const __m128 th = _mm_div_ps(_mm_xor_ps(e, sign), _mm_add_ps(_mm_set1_ps(2.0f), e));
    const __m128 y = _mm_or_ps(th, _mm_and_ps(sign, v));
    const __m128 nan = _mm_cmpunord_ps(v, v);
    _mm_storeu_ps(out + i, _mm_or_ps(_mm_and_ps(nan, v), _mm_andnot_ps(nan, y)));
  }
#endif
  for (; i < end; ++i) out[i] = std::tanh(x[i]);
}

// sigmoid(x) with e = exp(-|x|): 1 / (1 + e) for x > 0, e / (1 + e) otherwise, four lanes at a time
// (no overflow for either sign; below x = -88 the result is flushed to 0 where the cpu kernel gives a
// float denormal under 2^-126). NaN stays NaN.
void sigmoid_range(const float* x, float* out, size_t begin, size_t end) {
  size_t i = begin;
#if defined(__SSE2__)
  const __m128 sign = _mm_set1_ps(-0.0f);
  const __m128 one = _mm_set1_ps(1.0f);
  for (; i + 4 <= end; i += 4) {
    const __m128 v = _mm_loadu_ps(x + i);
    const __m128 e = exp_nonpositive(_mm_or_ps(v, sign));  // exp(-|x|)
    const __m128 pos = _mm_cmpgt_ps(v, _mm_setzero_ps());
    const __m128 num = _mm_or_ps(_mm_and_ps(pos, one), _mm_andnot_ps(pos, e));
    const __m128 y = _mm_div_ps(num, _mm_add_ps(one, e));
    const __m128 nan = _mm_cmpunord_ps(v, v);
    _mm_storeu_ps(out + i, _mm_or_ps(_mm_and_ps(nan, v), _mm_andnot_ps(nan, y)));
  }
#endif
  for (; i < end; ++i) out[i] = 1.0f / (1.0f + std::exp(-x[i]));
}

template <typename F>
void map(const float* x, float* out, size_t n, size_t min_parallel, F f) {
  parallel_range(n, min_parallel, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) out[i] = f(x[i]);
  });
}

}  // namespace

void binary(BinaryOp op, const float* a, const float* b, float* out, size_t rank, const int64_t* shape,
            const int64_t* sa, const int64_t* sb) {
  switch (op) {
    case BinaryOp::Add: return binary_impl<BinaryOp::Add>(a, b, out, rank, shape, sa, sb);
    case BinaryOp::Sub: return binary_impl<BinaryOp::Sub>(a, b, out, rank, shape, sa, sb);
    case BinaryOp::Mul: return binary_impl<BinaryOp::Mul>(a, b, out, rank, shape, sa, sb);
    case BinaryOp::Div: return binary_impl<BinaryOp::Div>(a, b, out, rank, shape, sa, sb);
    case BinaryOp::Max: return binary_impl<BinaryOp::Max>(a, b, out, rank, shape, sa, sb);
    case BinaryOp::Min: return binary_impl<BinaryOp::Min>(a, b, out, rank, shape, sa, sb);
    case BinaryOp::SquaredDiff: return binary_impl<BinaryOp::SquaredDiff>(a, b, out, rank, shape, sa, sb);
  }
}

void unary(UnaryOp op, const float* x, float* out, size_t n) {
  // Transcendentals cost ~10x an add, so they pay for threads sooner.
  const size_t heavy = PARALLEL_ELEMS / 8;
  switch (op) {
    case UnaryOp::Exp: return map(x, out, n, heavy, [](float v) { return std::exp(v); });
    case UnaryOp::Log: return map(x, out, n, heavy, [](float v) { return std::log(v); });
    case UnaryOp::Tanh:
      return parallel_range(n, heavy, [&](size_t begin, size_t end) { tanh_range(x, out, begin, end); });
    case UnaryOp::Softplus: return map(x, out, n, heavy, softplus);
    case UnaryOp::Sigmoid:
      return parallel_range(n, heavy, [&](size_t begin, size_t end) { sigmoid_range(x, out, begin, end); });
    case UnaryOp::Sqrt: return map(x, out, n, heavy, [](float v) { return std::sqrt(v); });
    case UnaryOp::Square: return map(x, out, n, PARALLEL_ELEMS, [](float v) { return v * v; });
    case UnaryOp::Neg: return map(x, out, n, PARALLEL_ELEMS, [](float v) { return -v; });
    case UnaryOp::Relu:
      return map(x, out, n, PARALLEL_ELEMS, [](float v) { return v > 0.0f ? v : (v == v ? 0.0f : v); });
    case UnaryOp::Abs: return map(x, out, n, PARALLEL_ELEMS, [](float v) { return std::fabs(v); });
    case UnaryOp::Elu:
      // tfjs-backend-cpu's x >= 0 ? x : exp(x) - 1 (NaN stays NaN), vectorised (elu_range).
      return parallel_range(n, heavy, [&](size_t begin, size_t end) { elu_range(x, out, begin, end); });
  }
}

void reduce(ReduceOp op, const float* x, float* out, size_t outer, size_t red, size_t inner) {
  const bool is_sum = op == ReduceOp::Sum;
  if (inner == 1) {
    // Contiguous rows; sums accumulate in double like tfjs-backend-cpu's JS numbers.
    const size_t min_rows = std::max<size_t>(1, PARALLEL_ELEMS / std::max<size_t>(1, red));
    parallel_range(outer, min_rows, [&](size_t begin, size_t end) {
      for (size_t o = begin; o < end; ++o) {
        const float* src = x + o * red;
        if (is_sum) {
          double s = 0.0;
          for (size_t r = 0; r < red; ++r) s += src[r];
          out[o] = float(s);
        } else {
          float m = src[0];
          for (size_t r = 1; r < red; ++r) m = std::isnan(m) ? m : (std::isnan(src[r]) || src[r] > m ? src[r] : m);
          out[o] = m;
        }
      }
    });
    return;
  }
  // Strided: reduce whole rows of length `inner` at a time so loads stay contiguous.
  const size_t total = outer * inner;
  parallel_range(total, PARALLEL_ELEMS / std::max<size_t>(1, red) + 1, [&](size_t begin, size_t end) {
    std::vector<double> acc;
    size_t idx = begin;
    while (idx < end) {
      const size_t o = idx / inner;
      const size_t i0 = idx % inner;
      const size_t i1 = std::min(inner, i0 + (end - idx));
      const size_t w = i1 - i0;
      const float* base = x + o * red * inner;
      float* dst = out + o * inner;
      if (is_sum) {
        acc.assign(w, 0.0);
        for (size_t r = 0; r < red; ++r) {
          const float* src = base + r * inner + i0;
          for (size_t i = 0; i < w; ++i) acc[i] += src[i];
        }
        for (size_t i = 0; i < w; ++i) dst[i0 + i] = float(acc[i]);
      } else {
        for (size_t i = 0; i < w; ++i) dst[i0 + i] = base[i0 + i];
        for (size_t r = 1; r < red; ++r) {
          const float* src = base + r * inner + i0;
          for (size_t i = 0; i < w; ++i) {
            const float m = dst[i0 + i];
            dst[i0 + i] = std::isnan(m) ? m : (std::isnan(src[i]) || src[i] > m ? src[i] : m);
          }
        }
      }
      idx += w;
    }
  });
}

}  // namespace bijective
