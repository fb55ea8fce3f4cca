// The mask's hash uses 32-bit multiplies: AVX2 does eight in one instruction, where SSE2 emulates
// them and 64-bit ones do not vectorise at all (the first mask hashed with 64 bits and took a
// sixth of a tabular training step). NOTE: picked by hand, not with target_clones (see
// linear_row.cpp).
#include "cpu/dropout_mask.hpp"

namespace plexus::cpu {
namespace {

// MurmurHash3's 32-bit finaliser: a bijection whose output bits all depend on every input bit.
inline uint32_t mix32(uint32_t h) {
  h = (h ^ (h >> 16)) * 0x85ebca6bu;
  h = (h ^ (h >> 13)) * 0xc2b2ae35u;
  return h ^ (h >> 16);
}

inline void row(const float* __restrict x, float* __restrict mask, float* __restrict y, size_t cols,
                uint32_t row_key, float p, float scale) {
  for (size_t c = 0; c < cols; ++c) {
    // c times an odd number plus the row's key, then mixed: a bijection of c, so no two columns
    // of a row share a draw. 24 random bits, as Generator::uniform draws them.
    const uint32_t bits = mix32(static_cast<uint32_t>(c) * 0x9e3779b9u + row_key) >> 8;
    const float u = static_cast<float>(static_cast<int32_t>(bits)) * 0x1.0p-24f;
    mask[c] = u < p ? 0.0f : scale;
    y[c] = x[c] * mask[c];
  }
}

using RowKernel = void (*)(const float*, float*, float*, size_t, uint32_t, float, float);

void row_baseline(const float* x, float* mask, float* y, size_t cols, uint32_t key, float p,
                  float scale) {
  row(x, mask, y, cols, key, p, scale);
}

#if defined(__x86_64__) && !defined(__AVX2__)
#define PLEXUS_PICK_KERNEL 1
[[gnu::target("arch=x86-64-v3")]] void row_avx2(const float* x, float* mask, float* y, size_t cols,
                                                uint32_t key, float p, float scale) {
  row(x, mask, y, cols, key, p, scale);
}
#endif

RowKernel best_row_kernel() {
#ifdef PLEXUS_PICK_KERNEL
  __builtin_cpu_init();
  if (__builtin_cpu_supports("x86-64-v3")) return row_avx2;
#endif
  return row_baseline;
}

}  // namespace

void dropout_row(const float* x, float* mask, float* y, size_t cols, uint32_t row_key, float p,
                 float scale) {
  static const RowKernel kernel = best_row_kernel();
  kernel(x, mask, y, cols, row_key, p, scale);
}

}  // namespace plexus::cpu
