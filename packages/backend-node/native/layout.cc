// Layout kernels (strided copies) and row softmax on float32 arrays.
// A strided copy is memory-bound and the tensors in flows are small, so it
// runs on the calling thread; softmax uses the pool above a size threshold.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels.h"
#include "parallel_rows.h"

namespace bijective {

void strided_copy(const float* x, float* out, size_t rank, const int64_t* shape, const int64_t* sx,
                  const int64_t* so) {
  if (rank == 0) {
    out[0] = x[0];
    return;
  }
  const size_t len = size_t(shape[rank - 1]);
  const int64_t ix = sx[rank - 1], io = so[rank - 1];
  size_t rows = 1;
  for (size_t d = 0; d + 1 < rank; ++d) rows *= size_t(shape[d]);
  // Odometer over the outer dims keeps the offsets incremental.
  int64_t idx[16] = {0};
  int64_t ox = 0, oo = 0;
  for (size_t r = 0; r < rows; ++r) {
    const float* src = x + ox;
    float* dst = out + oo;
    if (ix == 1 && io == 1) {
      std::memcpy(dst, src, len * sizeof(float));
    } else {
      for (size_t j = 0; j < len; ++j) dst[int64_t(j) * io] = src[int64_t(j) * ix];
    }
    for (size_t d = rank - 1; d-- > 0;) {
      ox += sx[d];
      oo += so[d];
      if (++idx[d] < shape[d]) break;
      ox -= sx[d] * shape[d];
      oo -= so[d] * shape[d];
      idx[d] = 0;
    }
  }
}

void softmax(const float* x, float* out, size_t rows, size_t cols) {
  parallel_rows(rows, cols, size_t(1) << 13, [&](size_t begin, size_t end) {
    for (size_t r = begin; r < end; ++r) {
      const float* src = x + r * cols;
      float* dst = out + r * cols;
      float m = src[0];
      for (size_t c = 1; c < cols; ++c) m = std::isnan(m) ? m : (std::isnan(src[c]) || src[c] > m ? src[c] : m);
      double s = 0.0;
      for (size_t c = 0; c < cols; ++c) {
        dst[c] = std::exp(src[c] - m);
        s += dst[c];
      }
      const float inv = float(s);
      for (size_t c = 0; c < cols; ++c) dst[c] = dst[c] / inv;
    }
  });
}

}  // namespace bijective
