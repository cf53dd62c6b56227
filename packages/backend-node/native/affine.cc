// The fused affine element map (core's FUSED_AFFINE) and its gradient: one pass over [rows, dim],
// rows split over the pool from PARALLEL_COORDS coordinates (each row by one thread, so the results
// do not depend on the split).
#include <cmath>

#include "kernels.h"
#include "parallel_rows.h"

namespace bijective {
namespace {

// About 5 ns a coordinate (a double exp): from here a spinning worker's share pays for its join.
constexpr size_t PARALLEL_COORDS = size_t(1) << 13;

}  // namespace

void affine(const float* x, const float* raw, float* out, float* lad, float* log_det, size_t rows, size_t dim,
            double bound, bool inverse) {
  parallel_rows(rows, dim, PARALLEL_COORDS, [&](size_t row_begin, size_t row_end) {
    for (size_t r = row_begin; r < row_end; ++r) {
      double row_sum = 0;
      for (size_t j = 0; j < dim; ++j) {
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
