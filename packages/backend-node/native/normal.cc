// The standard-normal log-density with the flow's log-det added (core's STANDARD_NORMAL_LOG_PROB):
// one pass instead of square, sum, scale, shift and add (and their gradients).
#include <cmath>

#include "kernels.h"

namespace bijective {

void std_normal_log_prob(const float* z, const float* log_det, float* out, size_t rows, size_t dim, double sign) {
  const double norm = 0.5 * double(dim) * std::log(2 * M_PI);
  for (size_t r = 0; r < rows; ++r) {
    double ss = 0;
    for (size_t j = 0; j < dim; ++j) ss += double(z[r * dim + j]) * double(z[r * dim + j]);
    out[r] = float(-0.5 * ss - norm + sign * double(log_det[r]));
  }
}

void std_normal_log_prob_grad(const float* z, const float* dy, float* dz, float* d_log_det, size_t rows, size_t dim,
                              double sign) {
  for (size_t r = 0; r < rows; ++r) {
    const float g = dy[r];
    for (size_t j = 0; j < dim; ++j) dz[r * dim + j] = -z[r * dim + j] * g;
    d_log_det[r] = float(sign * double(g));
  }
}

}  // namespace bijective
