// Four-lane float exp and expm1 with SSE2 (the x86-64 baseline), shared by the elementwise and
// element-map kernels. Defines nothing without SSE2; callers keep a scalar path.
#pragma once

#if defined(__SSE2__)
#include <emmintrin.h>

namespace bijective {

// expm1(t) for four lanes of t <= 0 (NaN-free; clamped at -88): n = round(t / ln 2),
// r = t - n ln 2 (Cody-Waite, |r| <= 0.35), expm1(r) by its Taylor series to r^8 (truncation error
// < 3e-10), then expm1(t) = 2^n expm1(r) + (2^n - 1), exact in the n = 0 band around 0 where
// exp(t) - 1 would cancel. Max relative error about 1 float ulp. The parts hold for 0 < t <= 88 as
// well (2^n stays a normal float up to n = 127), which exp_small below relies on.
struct ExpParts {
  __m128 scale;  // 2^n
  __m128 p;      // expm1(r)
};

inline ExpParts exp_parts(__m128 t) {
  t = _mm_max_ps(t, _mm_set1_ps(-88.0f));
  const __m128i k = _mm_cvtps_epi32(_mm_mul_ps(t, _mm_set1_ps(1.44269504088896341f)));  // round to nearest
  const __m128 kf = _mm_cvtepi32_ps(k);
  const __m128 r = _mm_sub_ps(_mm_sub_ps(t, _mm_mul_ps(kf, _mm_set1_ps(0.693359375f))),
                              _mm_mul_ps(kf, _mm_set1_ps(-2.12194440e-4f)));
  __m128 p = _mm_add_ps(_mm_set1_ps(1.0f / 5040), _mm_mul_ps(r, _mm_set1_ps(1.0f / 40320)));
  p = _mm_add_ps(_mm_set1_ps(1.0f / 720), _mm_mul_ps(r, p));
  p = _mm_add_ps(_mm_set1_ps(1.0f / 120), _mm_mul_ps(r, p));
  p = _mm_add_ps(_mm_set1_ps(1.0f / 24), _mm_mul_ps(r, p));
  p = _mm_add_ps(_mm_set1_ps(1.0f / 6), _mm_mul_ps(r, p));
  p = _mm_add_ps(_mm_set1_ps(1.0f / 2), _mm_mul_ps(r, p));
  p = _mm_add_ps(r, _mm_mul_ps(_mm_mul_ps(r, r), p));  // expm1(r)
  return {_mm_castsi128_ps(_mm_slli_epi32(_mm_add_epi32(k, _mm_set1_epi32(127)), 23)), p};
}

inline __m128 expm1_nonpositive(__m128 t) {
  const ExpParts e = exp_parts(t);
  return _mm_add_ps(_mm_mul_ps(e.scale, e.p), _mm_sub_ps(e.scale, _mm_set1_ps(1.0f)));
}

// exp(t) = 2^n (1 + expm1(r)) for t <= 0, relatively accurate down to exp(-88) (no 1 + expm1 cancellation).
inline __m128 exp_nonpositive(__m128 t) {
  const ExpParts e = exp_parts(t);
  return _mm_mul_ps(e.scale, _mm_add_ps(_mm_set1_ps(1.0f), e.p));
}

// exp(t) for four lanes of |t| <= 88 (larger t would overflow 2^n: callers check their range).
inline __m128 exp_small(__m128 t) {
  const ExpParts e = exp_parts(t);
  return _mm_mul_ps(e.scale, _mm_add_ps(_mm_set1_ps(1.0f), e.p));
}

}  // namespace bijective
#endif
