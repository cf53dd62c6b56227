// Per-thread scratch memory that native kernels keep between calls.
//
// Why: a kernel that allocates its temporaries afresh on every call gets fresh pages from the
// allocator (glibc serves blocks from 128 KiB up with mmap and returns them on free), and the first
// write to each 4 KiB page is a page fault, about 2 µs each on the dev VM: a dim-64 MLP backward
// allocating a few MB of temporaries paid more in faults than in arithmetic. Keeping the vectors
// per thread keeps their pages resident, so a steady training loop faults no more after its first
// step. One call larger than SCRATCH_KEEP_BYTES frees its scratch on return, so a single big batch
// does not pin its memory for the life of the thread.
//
// Use: a kernel declares a struct of std::vector members with a `bytes()` method (summing
// scratch_bytes of its members), takes `thread_scratch<S>()` at entry and calls `trim_scratch(s)`
// before returning. The struct must not be taken again while in use on the same thread (kernels do
// not call themselves).
#pragma once

#include <cstddef>
#include <vector>

namespace bijective {

// Scratch bytes a thread keeps between calls; above this a kernel's scratch is freed on return.
constexpr size_t SCRATCH_KEEP_BYTES = size_t(64) << 20;

// Capacity in bytes of a vector, or of a vector of vectors.
template <typename T>
size_t scratch_bytes(const std::vector<T>& v) {
  return v.capacity() * sizeof(T);
}
template <typename T>
size_t scratch_bytes(const std::vector<std::vector<T>>& v) {
  size_t n = v.capacity() * sizeof(std::vector<T>);
  for (const auto& x : v) n += x.capacity() * sizeof(T);
  return n;
}

// Bytes the calling thread's last trimmed kernel kept (0 when it freed them): what the addon's
// scratchBytes() reports, so a test can check both sides of SCRATCH_KEEP_BYTES.
inline size_t& last_scratch_bytes() {
  static thread_local size_t bytes = 0;
  return bytes;
}

// The calling thread's instance of scratch struct S, kept between calls.
template <typename S>
S& thread_scratch() {
  static thread_local S scratch;
  return scratch;
}

// After a call: frees all of `s` when it holds more than SCRATCH_KEEP_BYTES, keeps it otherwise.
template <typename S>
void trim_scratch(S& s) {
  size_t bytes = s.bytes();
  if (bytes > SCRATCH_KEEP_BYTES) {
    s = S{};
    bytes = 0;
  }
  last_scratch_bytes() = bytes;
}

}  // namespace bijective
