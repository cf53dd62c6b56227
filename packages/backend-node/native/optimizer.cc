// Fused optimiser kernels: one pass over memory instead of a dozen tfjs ops per parameter.
#include <algorithm>
#include <cmath>

#include "kernels.h"
#include "thread_pool.h"

namespace bijective {

void adam(const float* p, const float* m, const float* v, const float* g, float* p_out, float* m_out,
          float* v_out, size_t n, const AdamConstants& c) {
  // The same float32 arithmetic, in the same order, as the composite tfjs ops in core's adamStep.
  const float b1 = c.beta1, one_b1 = c.one_minus_beta1, b2 = c.beta2, one_b2 = c.one_minus_beta2;
  const float step = c.step_size, eps = c.eps_hat;
  for (size_t i = 0; i < n; ++i) {
    const float gi = g[i];
    const float mi = b1 * m[i] + one_b1 * gi;
    const float vi = b2 * v[i] + one_b2 * (gi * gi);
    m_out[i] = mi;
    v_out[i] = vi;
    p_out[i] = p[i] - step * (mi / (std::sqrt(vi) + eps));
  }
}

double sum_squares(const float* x, size_t n) {
  double s = 0.0;
  for (size_t i = 0; i < n; ++i) s += double(x[i]) * double(x[i]);
  return s;
}

}  // namespace bijective
