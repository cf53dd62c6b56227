// Comparisons (bool output), select, gather, cumsum, step and clip on float32 arrays.
// These are cheap per element and the tensors in flows are small, so they
// run on the calling thread.
#include "kernels.h"

namespace bijective {
namespace {

template <CompareOp OP>
inline uint8_t cmp(float x, float y) {
  if constexpr (OP == CompareOp::Greater) return x > y;
  if constexpr (OP == CompareOp::GreaterEqual) return x >= y;
  if constexpr (OP == CompareOp::Less) return x < y;
  if constexpr (OP == CompareOp::LessEqual) return x <= y;
  if constexpr (OP == CompareOp::Equal) return x == y;
  if constexpr (OP == CompareOp::NotEqual) return x != y;
  return 0;
}

template <CompareOp OP>
void compare_impl(const float* a, const float* b, uint8_t* out, size_t rank, const int64_t* shape,
                  const int64_t* sa, const int64_t* sb) {
  if (rank == 0) {
    out[0] = cmp<OP>(a[0], b[0]);
    return;
  }
  const size_t len = size_t(shape[rank - 1]);
  const int64_t ia = sa[rank - 1], ib = sb[rank - 1];
  size_t rows = 1;
  for (size_t d = 0; d + 1 < rank; ++d) rows *= size_t(shape[d]);
  for (size_t r = 0; r < rows; ++r) {
    int64_t oa = 0, ob = 0;
    size_t rest = r;
    for (size_t d = rank - 1; d-- > 0;) {
      const size_t i = rest % size_t(shape[d]);
      rest /= size_t(shape[d]);
      oa += int64_t(i) * sa[d];
      ob += int64_t(i) * sb[d];
    }
    const float* pa = a + oa;
    const float* pb = b + ob;
    uint8_t* po = out + r * len;
    for (size_t j = 0; j < len; ++j) po[j] = cmp<OP>(pa[int64_t(j) * ia], pb[int64_t(j) * ib]);
  }
}

}  // namespace

void compare(CompareOp op, const float* a, const float* b, uint8_t* out, size_t rank, const int64_t* shape,
             const int64_t* sa, const int64_t* sb) {
  switch (op) {
    case CompareOp::Greater: return compare_impl<CompareOp::Greater>(a, b, out, rank, shape, sa, sb);
    case CompareOp::GreaterEqual: return compare_impl<CompareOp::GreaterEqual>(a, b, out, rank, shape, sa, sb);
    case CompareOp::Less: return compare_impl<CompareOp::Less>(a, b, out, rank, shape, sa, sb);
    case CompareOp::LessEqual: return compare_impl<CompareOp::LessEqual>(a, b, out, rank, shape, sa, sb);
    case CompareOp::Equal: return compare_impl<CompareOp::Equal>(a, b, out, rank, shape, sa, sb);
    case CompareOp::NotEqual: return compare_impl<CompareOp::NotEqual>(a, b, out, rank, shape, sa, sb);
  }
}

void select(const uint8_t* cond, const float* t, const float* e, float* out, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = cond[i] ? t[i] : e[i];
}

void gather(const float* x, const int32_t* idx, float* out, size_t outer, size_t dim, size_t inner, size_t nidx) {
  for (size_t o = 0; o < outer; ++o) {
    const float* base = x + o * dim * inner;
    float* dst = out + o * nidx * inner;
    for (size_t j = 0; j < nidx; ++j) {
      const float* src = base + size_t(idx[j]) * inner;
      for (size_t i = 0; i < inner; ++i) dst[j * inner + i] = src[i];
    }
  }
}

void cumsum(const float* x, float* out, size_t rows, size_t cols, bool exclusive, bool reverse) {
  for (size_t r = 0; r < rows; ++r) {
    const float* src = x + r * cols;
    float* dst = out + r * cols;
    // Accumulate in float, as tfjs-backend-cpu stores each partial sum in a Float32Array.
    float acc = 0.0f;
    for (size_t j = 0; j < cols; ++j) {
      const size_t at = reverse ? cols - 1 - j : j;
      if (exclusive) {
        dst[at] = acc;
        acc += src[at];
      } else {
        acc += src[at];
        dst[at] = acc;
      }
    }
  }
}

void unary_param(ParamOp op, const float* x, float* out, size_t n, double p0, double p1) {
  if (op == ParamOp::Step) {
    const float alpha = float(p0);
    for (size_t i = 0; i < n; ++i) out[i] = x[i] != x[i] ? x[i] : (x[i] > 0.0f ? 1.0f : alpha);
    return;
  }
  const float lo = float(p0), hi = float(p1);
  for (size_t i = 0; i < n; ++i) {
    const double v = x[i];
    out[i] = v > p1 ? hi : (v < p0 ? lo : x[i]);
  }
}

}  // namespace bijective
