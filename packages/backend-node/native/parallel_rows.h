// Row-parallel loops over the process-wide pool, for kernels whose rows are independent.
#pragma once

#include <algorithm>
#include <cstddef>

#include "thread_pool.h"

namespace bijective {

// Runs body(row_begin, row_end) over [0, rows) in about four chunks per thread. On the calling
// thread alone when rows * cols < min_parallel (waking a worker costs more than it saves); sleeping
// workers are woken only from four times that, below which only a worker still spinning after the
// previous job joins (see ThreadPool::run). Every row is computed by one thread with the same
// arithmetic, so results do not depend on the split.
template <typename Body>
void parallel_rows(size_t rows, size_t cols, size_t min_parallel, const Body& body) {
  const size_t threads = pool().size();
  const size_t total = rows * cols;
  if (threads <= 1 || total < min_parallel || rows < 2) {
    body(size_t(0), rows);
    return;
  }
  const size_t chunks = std::min(rows, threads * 4);
  const size_t per = (rows + chunks - 1) / chunks;
  pool().run(
      chunks,
      [&](size_t c) {
        const size_t begin = c * per, end = std::min(rows, begin + per);
        if (begin < end) body(begin, end);
      },
      total >= 4 * min_parallel);
}

}  // namespace bijective
