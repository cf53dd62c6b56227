// Blocked single-precision GEMM (the Goto/BLIS loop structure): B is packed
// into KC x NR column panels shared by all threads, each thread packs its own
// MC x KC block of A into MR-row panels, and a register-blocked MR x NR
// micro-kernel accumulates one tile. The AVX2+FMA micro-kernel is compiled
// with a target attribute and chosen at run time; the portable one is plain
// C++ that the compiler vectorises for the baseline ISA.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define BIJECTIVE_X86 1
#endif

#include "kernels.h"
#include "thread_pool.h"

namespace bijective {
namespace {

constexpr size_t MR = 6;
constexpr size_t NR = 16;
constexpr size_t KC = 256;
constexpr size_t MC_MAX = 96;   // 96 x 256 floats of A = 96 KiB, stays in L2
constexpr size_t NC = 2048;     // 256 x 2048 floats of B = 2 MiB, in L2/L3

// Below this many multiply-adds a matrix is done on one thread: waking the
// pool costs tens of microseconds, a 128^3 product about as much.
constexpr size_t PARALLEL_MACS = size_t(1) << 21;
// ... and only when each thread gets at least this many rows of the output.
constexpr size_t MIN_ROWS_PER_THREAD = 96;
// From this many multiply-adds a product wakes sleeping pool workers; below it only a worker still
// spinning after the previous job joins (waking one is a system call, and on a loaded machine it may
// get no core before a ~50 us product is over).
constexpr size_t WAKE_MACS = PARALLEL_MACS * 4;
// A-blocks per thread when a product is split: taken from the pool's shared counter, so a thread
// that starts late or is descheduled leaves small blocks to the others instead of half the product,
// and blocks of unequal size even out (512 rows made 5 blocks of 96 and one of 32 before).
constexpr size_t TASKS_PER_THREAD = 4;

using MicroKernel = void (*)(size_t kc, const float* ap, const float* bp, float* c, size_t ldc,
                             bool accumulate, size_t mr, size_t nr);

// Copies a partial tile computed into a full MR x NR scratch tile.
inline void store_partial(const float* tile, float* c, size_t ldc, bool accumulate, size_t mr, size_t nr) {
  for (size_t r = 0; r < mr; ++r)
    for (size_t j = 0; j < nr; ++j) c[r * ldc + j] = (accumulate ? c[r * ldc + j] : 0.0f) + tile[r * NR + j];
}

#if defined(__GNUC__)
// Generic 4-lane vectors (SSE on x86-64, NEON on arm64, scalar elsewhere):
// the 6 x 16 tile is done as two 6 x 8 halves so that 12 accumulators, two
// B vectors and one broadcast fit in 16 vector registers.
typedef float v4 __attribute__((vector_size(16)));

void kernel_portable(size_t kc, const float* ap, const float* bp, float* c, size_t ldc, bool accumulate,
                     size_t mr, size_t nr) {
  float tile[MR * NR];
  for (size_t half = 0; half < 2; ++half) {
    v4 acc[MR][2];
    for (size_t r = 0; r < MR; ++r) acc[r][0] = acc[r][1] = v4{0, 0, 0, 0};
    const float* a = ap;
    const float* b = bp + half * 8;
    for (size_t p = 0; p < kc; ++p) {
      v4 b0, b1;
      std::memcpy(&b0, b, sizeof b0);
      std::memcpy(&b1, b + 4, sizeof b1);
      for (size_t r = 0; r < MR; ++r) {
        const v4 ar = v4{a[r], a[r], a[r], a[r]};
        acc[r][0] += ar * b0;
        acc[r][1] += ar * b1;
      }
      a += MR;
      b += NR;
    }
    for (size_t r = 0; r < MR; ++r) {
      std::memcpy(tile + r * NR + half * 8, &acc[r][0], sizeof(v4));
      std::memcpy(tile + r * NR + half * 8 + 4, &acc[r][1], sizeof(v4));
    }
  }
  store_partial(tile, c, ldc, accumulate, mr, nr);
}
#else
void kernel_portable(size_t kc, const float* ap, const float* bp, float* c, size_t ldc, bool accumulate,
                     size_t mr, size_t nr) {
  float acc[MR][NR] = {};
  for (size_t p = 0; p < kc; ++p) {
    const float* bv = bp + p * NR;
    const float* av = ap + p * MR;
    for (size_t r = 0; r < MR; ++r)
      for (size_t j = 0; j < NR; ++j) acc[r][j] += av[r] * bv[j];
  }
  store_partial(&acc[0][0], c, ldc, accumulate, mr, nr);
}
#endif

#ifdef BIJECTIVE_X86
__attribute__((target("avx2,fma"))) void kernel_avx2(size_t kc, const float* ap, const float* bp, float* c,
                                                       size_t ldc, bool accumulate, size_t mr, size_t nr) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (size_t p = 0; p < kc; ++p) {
    const __m256 b0 = _mm256_loadu_ps(bp);
    const __m256 b1 = _mm256_loadu_ps(bp + 8);
    __m256 a = _mm256_broadcast_ss(ap + 0);
    c00 = _mm256_fmadd_ps(a, b0, c00); c01 = _mm256_fmadd_ps(a, b1, c01);
    a = _mm256_broadcast_ss(ap + 1);
    c10 = _mm256_fmadd_ps(a, b0, c10); c11 = _mm256_fmadd_ps(a, b1, c11);
    a = _mm256_broadcast_ss(ap + 2);
    c20 = _mm256_fmadd_ps(a, b0, c20); c21 = _mm256_fmadd_ps(a, b1, c21);
    a = _mm256_broadcast_ss(ap + 3);
    c30 = _mm256_fmadd_ps(a, b0, c30); c31 = _mm256_fmadd_ps(a, b1, c31);
    a = _mm256_broadcast_ss(ap + 4);
    c40 = _mm256_fmadd_ps(a, b0, c40); c41 = _mm256_fmadd_ps(a, b1, c41);
    a = _mm256_broadcast_ss(ap + 5);
    c50 = _mm256_fmadd_ps(a, b0, c50); c51 = _mm256_fmadd_ps(a, b1, c51);
    ap += MR;
    bp += NR;
  }
  if (mr == MR && nr == NR) {
    float* row[MR] = {c, c + ldc, c + 2 * ldc, c + 3 * ldc, c + 4 * ldc, c + 5 * ldc};
    __m256 v[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
    for (size_t r = 0; r < MR; ++r) {
      if (accumulate) {
        v[r][0] = _mm256_add_ps(v[r][0], _mm256_loadu_ps(row[r]));
        v[r][1] = _mm256_add_ps(v[r][1], _mm256_loadu_ps(row[r] + 8));
      }
      _mm256_storeu_ps(row[r], v[r][0]);
      _mm256_storeu_ps(row[r] + 8, v[r][1]);
    }
    return;
  }
  alignas(32) float tile[MR * NR];
  _mm256_store_ps(tile + 0, c00); _mm256_store_ps(tile + 8, c01);
  _mm256_store_ps(tile + 16, c10); _mm256_store_ps(tile + 24, c11);
  _mm256_store_ps(tile + 32, c20); _mm256_store_ps(tile + 40, c21);
  _mm256_store_ps(tile + 48, c30); _mm256_store_ps(tile + 56, c31);
  _mm256_store_ps(tile + 64, c40); _mm256_store_ps(tile + 72, c41);
  _mm256_store_ps(tile + 80, c50); _mm256_store_ps(tile + 88, c51);
  store_partial(tile, c, ldc, accumulate, mr, nr);
}
#endif

#ifdef BIJECTIVE_X86
// A full 12 x 16 tile from two consecutive MR-row panels of packed A (a0: rows 0-5, a1: rows 6-11)
// and one NR-column panel of B, with 512-bit FMAs: 12 accumulators (one zmm per row), one B load
// and 12 broadcasts per step of k. Same packing as the 6 x 16 kernels, so only the tile loop
// changes; edge tiles (fewer rows or columns) go to the 6 x 16 kernel.
__attribute__((target("avx512f"))) void kernel_avx512_12x16(size_t kc, const float* a0, const float* a1,
                                                              const float* bp, float* c, size_t ldc,
                                                              bool accumulate) {
  __m512 acc[2 * MR];
  for (size_t r = 0; r < 2 * MR; ++r) acc[r] = _mm512_setzero_ps();
  for (size_t p = 0; p < kc; ++p) {
    const __m512 b = _mm512_loadu_ps(bp);
    for (size_t r = 0; r < MR; ++r) {
      acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(a0[r]), b, acc[r]);
      acc[MR + r] = _mm512_fmadd_ps(_mm512_set1_ps(a1[r]), b, acc[MR + r]);
    }
    a0 += MR;
    a1 += MR;
    bp += NR;
  }
  for (size_t r = 0; r < 2 * MR; ++r) {
    float* row = c + r * ldc;
    _mm512_storeu_ps(row, accumulate ? _mm512_add_ps(acc[r], _mm512_loadu_ps(row)) : acc[r]);
  }
}
#endif

bool detect_avx512() {
#ifdef BIJECTIVE_X86
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f");
#else
  return false;
#endif
}

bool detect_avx2_fma() {
#ifdef BIJECTIVE_X86
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

const bool kHasAvx2Fma = detect_avx2_fma();
const bool kHasAvx512 = kHasAvx2Fma && detect_avx512();
bool g_force_portable = false;
bool g_avx512_enabled = true;

MicroKernel micro_kernel() {
#ifdef BIJECTIVE_X86
  if (kHasAvx2Fma && !g_force_portable) return kernel_avx2;
#endif
  return kernel_portable;
}

// The 12 x 16 tile kernel for full tiles, or nullptr when the CPU (or a test) rules it out.
using WideKernel = void (*)(size_t kc, const float* a0, const float* a1, const float* bp, float* c, size_t ldc,
                            bool accumulate);
WideKernel wide_kernel() {
#ifdef BIJECTIVE_X86
  if (kHasAvx512 && g_avx512_enabled && !g_force_portable) return kernel_avx512_12x16;
#endif
  return nullptr;
}

// A(i, p) = a[i * rs + p * cs]: packs rows [i0, i0 + mc) x cols [p0, p0 + kc)
// into MR-row panels, p-major inside a panel, zero-padding the last panel.
void pack_a(const float* a, ptrdiff_t rs, ptrdiff_t cs, size_t i0, size_t mc, size_t p0, size_t kc, float* dst) {
  for (size_t ir = 0; ir < mc; ir += MR) {
    const size_t mr = std::min(MR, mc - ir);
    for (size_t p = 0; p < kc; ++p) {
      const float* src = a + (i0 + ir) * rs + (p0 + p) * cs;
      size_t r = 0;
      for (; r < mr; ++r) dst[r] = src[r * rs];
      for (; r < MR; ++r) dst[r] = 0.0f;
      dst += MR;
    }
  }
}

// B(p, j) = b[p * rs + j * cs]: packs [p0, p0 + kc) x [j0, j0 + nc) into
// NR-column panels, p-major inside a panel, zero-padding the last panel.
void pack_b(const float* b, ptrdiff_t rs, ptrdiff_t cs, size_t p0, size_t kc, size_t j0, size_t nc, float* dst) {
  for (size_t jr = 0; jr < nc; jr += NR) {
    const size_t nr = std::min(NR, nc - jr);
    for (size_t p = 0; p < kc; ++p) {
      const float* src = b + (p0 + p) * rs + (j0 + jr) * cs;
      size_t j = 0;
      if (cs == 1) {
        for (; j < nr; ++j) dst[j] = src[j];
      } else {
        for (; j < nr; ++j) dst[j] = src[j * cs];
      }
      for (; j < NR; ++j) dst[j] = 0.0f;
      dst += NR;
    }
  }
}

std::vector<float>& scratch_a() {
  thread_local std::vector<float> buf(MC_MAX * KC);
  return buf;
}

std::vector<float>& scratch_b() {
  thread_local std::vector<float> buf;
  return buf;
}

inline float activate(float v, Activation act, float alpha) {
  switch (act) {
    case Activation::Linear: return v;
    case Activation::Relu: return v > 0.0f ? v : (v == v ? 0.0f : v);
    case Activation::Relu6: return v != v ? v : std::min(std::max(v, 0.0f), 6.0f);
    case Activation::Sigmoid: return 1.0f / (1.0f + std::exp(-v));
    case Activation::Elu: return v > 0.0f ? v : std::expm1(v);
    case Activation::LeakyRelu: return v < 0.0f ? alpha * v : v;
  }
  return v;
}

// Adds the bias and applies the activation to rows [r0, r1) of one output matrix.
void epilogue(float* c, size_t r0, size_t r1, size_t n, const BiasView& bias, size_t batch_index,
              Activation act, float alpha) {
  if (bias.data == nullptr && act == Activation::Linear) return;
  for (size_t i = r0; i < r1; ++i) {
    float* row = c + i * n;
    if (bias.data != nullptr) {
      const float* brow = bias.data + ptrdiff_t(batch_index) * bias.batch_stride + ptrdiff_t(i) * bias.row_stride;
      if (bias.col_stride == 1) {
        for (size_t j = 0; j < n; ++j) row[j] += brow[j];
      } else {
        for (size_t j = 0; j < n; ++j) row[j] += brow[ptrdiff_t(j) * bias.col_stride];
      }
    }
    if (act == Activation::Relu) {
      for (size_t j = 0; j < n; ++j) row[j] = row[j] > 0.0f ? row[j] : (row[j] == row[j] ? 0.0f : row[j]);
    } else if (act != Activation::Linear) {
      for (size_t j = 0; j < n; ++j) row[j] = activate(row[j], act, alpha);
    }
  }
}

// One matrix product c[m, n] = A @ B with A(i, p) = a[i*ars + p*acs] and
// B(p, j) = b[p*brs + j*bcs]; uses the pool when `parallel` (waking sleeping workers when `wake`).
void gemm_one(const float* a, ptrdiff_t ars, ptrdiff_t acs, const float* b, ptrdiff_t brs, ptrdiff_t bcs, float* c,
              size_t m, size_t n, size_t k, bool parallel, bool wake, const BiasView& bias, size_t batch_index,
              Activation act, float alpha) {
  if (k == 0) {
    std::fill(c, c + m * n, 0.0f);
    epilogue(c, 0, m, n, bias, batch_index, act, alpha);
    return;
  }
  const MicroKernel kernel = micro_kernel();
  const WideKernel wide = wide_kernel();
  const size_t threads = parallel ? pool().size() : 1;
  // Shrink the A block so that every thread gets about TASKS_PER_THREAD of them.
  size_t mc = MC_MAX;
  if (threads > 1) {
    const size_t tasks = threads * TASKS_PER_THREAD;
    const size_t per = (m + tasks - 1) / tasks;
    mc = std::min(MC_MAX, std::max(MR, (per + MR - 1) / MR * MR));
  }
  const size_t m_blocks = (m + mc - 1) / mc;
  std::vector<float>& bbuf = scratch_b();
  for (size_t jc = 0; jc < n; jc += NC) {
    const size_t nc = std::min(NC, n - jc);
    const size_t nc_padded = (nc + NR - 1) / NR * NR;
    for (size_t pc = 0; pc < k; pc += KC) {
      const size_t kc = std::min(KC, k - pc);
      if (bbuf.size() < nc_padded * kc) bbuf.resize(nc_padded * kc);
      pack_b(b, brs, bcs, pc, kc, jc, nc, bbuf.data());
      const float* bp = bbuf.data();
      const bool accumulate = pc > 0;
      const bool last = pc + kc >= k;
      auto block = [&](size_t blk) {
        const size_t ic = blk * mc;
        const size_t mcur = std::min(mc, m - ic);
        std::vector<float>& abuf = scratch_a();
        pack_a(a, ars, acs, ic, mcur, pc, kc, abuf.data());
        for (size_t jr = 0; jr < nc; jr += NR) {
          const size_t nr = std::min(NR, nc - jr);
          const float* bpanel = bp + jr * kc;
          for (size_t ir = 0; ir < mcur;) {
            float* tile = c + (ic + ir) * n + jc + jr;
            if (wide != nullptr && nr == NR && mcur - ir >= 2 * MR) {
              wide(kc, abuf.data() + ir * kc, abuf.data() + (ir + MR) * kc, bpanel, tile, n, accumulate);
              ir += 2 * MR;
              continue;
            }
            const size_t mr = std::min(MR, mcur - ir);
            kernel(kc, abuf.data() + ir * kc, bpanel, tile, n, accumulate, mr, nr);
            ir += MR;
          }
        }
        if (last && jc + nc >= n) epilogue(c, ic, ic + mcur, n, bias, batch_index, act, alpha);
      };
      if (threads > 1 && m_blocks > 1) {
        pool().run(m_blocks, block, wake);
      } else {
        for (size_t blk = 0; blk < m_blocks; ++blk) block(blk);
      }
    }
  }
}

}  // namespace

bool cpu_has_avx2_fma() { return kHasAvx2Fma; }
bool gemm_uses_avx2() { return kHasAvx2Fma && !g_force_portable; }
bool gemm_uses_avx512() { return wide_kernel() != nullptr; }
void gemm_force_portable(bool portable) { g_force_portable = portable; }
void gemm_enable_avx512(bool enabled) { g_avx512_enabled = enabled; }

void gemm(const float* a, const float* b, float* out, size_t batch, size_t batch_a, size_t batch_b, size_t m,
          size_t n, size_t k, bool trans_a, bool trans_b, const BiasView& bias, Activation act, float alpha) {
  const ptrdiff_t ars = trans_a ? 1 : ptrdiff_t(k);
  const ptrdiff_t acs = trans_a ? ptrdiff_t(m) : 1;
  const ptrdiff_t brs = trans_b ? 1 : ptrdiff_t(n);
  const ptrdiff_t bcs = trans_b ? ptrdiff_t(k) : 1;
  const size_t macs = m * n * k;
  const size_t threads = pool().size();
  auto one = [&](size_t bi, bool parallel) {
    gemm_one(a + (bi % batch_a) * m * k, ars, acs, b + (bi % batch_b) * k * n, brs, bcs, out + bi * m * n, m, n, k,
             parallel, macs >= WAKE_MACS, bias, bi, act, alpha);
  };
  if (threads > 1 && batch >= threads && macs * batch >= PARALLEL_MACS && macs < PARALLEL_MACS * 4) {
    // Many small products: one per task.
    pool().run(batch, [&](size_t bi) { one(bi, false); }, macs * batch >= WAKE_MACS);
    return;
  }
  // One product over the pool only when it is large and every thread gets a good share of rows (the packed B
  // panel is shared, so small-m products spend their time packing and waking threads).
  const bool split = macs >= PARALLEL_MACS && m >= MIN_ROWS_PER_THREAD * threads;
  for (size_t bi = 0; bi < batch; ++bi) one(bi, split);
}

}  // namespace bijective
