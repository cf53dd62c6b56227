// The fused affine element map (core's FUSED_AFFINE) and its gradient: one pass over [rows, dim],
// rows split over the pool from PARALLEL_COORDS coordinates (each row by one thread, so the results
// do not depend on the split).
#include <cmath>

#include "kernels.h"
#include "parallel_rows.h"
#include "simd_exp.h"

namespace bijective {
namespace {

// About 5 ns a coordinate (a double exp): from here a spinning worker's share pays for its join.
constexpr size_t PARALLEL_COORDS = size_t(1) << 13;

#if defined(__SSE2__)
// Coordinates j0..j0+3 of one row in float32, four lanes (the arithmetic of core's composite ops):
// s = a / (1 + |a| / bound), forward out = x e^s + shift, inverse out = (x - shift) e^-s. raw holds
// (shift, a) pairs, so two loads and two shuffles split them. Needs |s| < bound <= 88 (exp_small).
inline void affine4(const float* x, const float* raw, float* out, float* lad, __m128 bound, bool inverse) {
  const __m128 r0 = _mm_loadu_ps(raw);      // shift0 a0 shift1 a1
  const __m128 r1 = _mm_loadu_ps(raw + 4);  // shift2 a2 shift3 a3
  const __m128 shift = _mm_shuffle_ps(r0, r1, _MM_SHUFFLE(2, 0, 2, 0));
  const __m128 a = _mm_shuffle_ps(r0, r1, _MM_SHUFFLE(3, 1, 3, 1));
  const __m128 abs_a = _mm_andnot_ps(_mm_set1_ps(-0.0f), a);
  const __m128 s = _mm_div_ps(a, _mm_add_ps(_mm_set1_ps(1.0f), _mm_div_ps(abs_a, bound)));
  const __m128 v = _mm_loadu_ps(x);
  if (inverse) {
    const __m128 neg = _mm_xor_ps(s, _mm_set1_ps(-0.0f));
    _mm_storeu_ps(out, _mm_mul_ps(_mm_sub_ps(v, shift), exp_small(neg)));
    _mm_storeu_ps(lad, neg);
  } else {
    _mm_storeu_ps(out, _mm_add_ps(_mm_mul_ps(v, exp_small(s)), shift));
    _mm_storeu_ps(lad, s);
  }
}
#endif

}  // namespace

void affine(const float* x, const float* raw, float* out, float* lad, float* log_det, size_t rows, size_t dim,
            double bound, bool inverse) {
#if defined(__SSE2__)
  // Four lanes in float32 while exp cannot overflow; the tail of a row (and any larger bound) in double.
  const size_t lanes = bound <= 80 ? dim / 4 * 4 : 0;
  const __m128 bound4 = _mm_set1_ps(float(bound));
#else
  const size_t lanes = 0;
#endif
  parallel_rows(rows, dim, PARALLEL_COORDS, [&](size_t row_begin, size_t row_end) {
    for (size_t r = row_begin; r < row_end; ++r) {
      double row_sum = 0;
#if defined(__SSE2__)
      for (size_t j = 0; j < lanes; j += 4) {
        const size_t i = r * dim + j;
        affine4(x + i, raw + 2 * i, out + i, lad + i, bound4, inverse);
        row_sum += double(lad[i]) + double(lad[i + 1]) + double(lad[i + 2]) + double(lad[i + 3]);
      }
#endif
      for (size_t j = lanes; j < dim; ++j) {
        const size_t i = r * dim + j;
        const double shift = raw[2 * i], a = raw[2 * i + 1];
        const double s = a / (1 + std::fabs(a) / bound);
        if (inverse) {
          out[i] = float((double(x[i]) - shift) * std::exp(-s));
          lad[i] = float(-s);
        } else {
          out[i] = float(double(x[i]) * std::exp(s) + shift);
          lad[i] = float(s);
        }
        row_sum += lad[i];
      }
      log_det[r] = float(row_sum);
    }
  });
}

void affine_grad(const float* x, const float* raw, const float* d_out, const float* d_lad,
                 const float* d_log_det, float* dx, float* d_raw, size_t rows, size_t dim, double bound,
                 bool inverse) {
  parallel_rows(rows, dim, PARALLEL_COORDS, [&](size_t row_begin, size_t row_end) {
    for (size_t r = row_begin; r < row_end; ++r) {
      const double g_row = d_log_det ? d_log_det[r] : 0.0;
      for (size_t j = 0; j < dim; ++j) {
        const size_t i = r * dim + j;
        const double shift = raw[2 * i], a = raw[2 * i + 1];
        const double t = 1 + std::fabs(a) / bound;
        const double s = a / t;
        const double g_out = d_out ? d_out[i] : 0.0;
        const double g_lad = (d_lad ? d_lad[i] : 0.0) + g_row;
        double g_s;
        if (inverse) {
          const double e = std::exp(-s), u = double(x[i]) - shift;
          dx[i] = float(g_out * e);
          d_raw[2 * i] = float(-g_out * e);
          g_s = -g_out * u * e - g_lad;
        } else {
          const double e = std::exp(s);
          dx[i] = float(g_out * e);
          d_raw[2 * i] = float(g_out);
          g_s = g_out * double(x[i]) * e + g_lad;
        }
        d_raw[2 * i + 1] = float(g_s / (t * t));
      }
    }
  });
}

}  // namespace bijective
