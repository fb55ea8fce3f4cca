// The dot products are written with GCC's vector extension, 16 floats wide, and compiled for three
// levels of x86-64 (picked on the first call), so AVX-512 and AVX2 machines stream W at their
// width in a portable build. Four rows share each load of x. NOTE: picked by hand, not with
// target_clones: its load-time resolver runs before the sanitizers are set up, and crashes there.
#include "cpu/linear_row.hpp"

#include <algorithm>
#include <cstring>

#include "cpu/workers.hpp"

namespace plexus::cpu {
namespace {

using Lanes = float __attribute__((vector_size(64)));
constexpr size_t kLanes = 16;
constexpr size_t kRowBlock = 4;
// Prefetching each row this far ahead (4 KiB) streams W from L2 about 15% faster than the
// hardware prefetchers alone.
constexpr size_t kPrefetchAhead = 1024;
// Below this many weights per thread the hand-off (about 0.5 us there and back) costs more than
// the split saves. Measured on W2's layers at 2 threads: 256 x 784 takes 5.3 us instead of 9.4,
// 128 x 256 takes 1.4 us either way, 10 x 128 0.65 us instead of 0.12.
constexpr size_t kMinWeightsPerThread = 32768;

float sum_of(const Lanes& v) {
  float sum = 0.0f;
  for (size_t l = 0; l < kLanes; ++l) sum += v[l];
  return sum;
}

// Rows [begin, end) of y. Inlined into each of the kernels below, it is compiled for each's
// instruction set.
[[gnu::always_inline]] inline void rows(const float* x, const float* w, const float* bias, float* y,
                                        size_t in, size_t begin, size_t end) {
  const size_t vector_end = in - in % kLanes;
  size_t r = begin;
  for (; r + kRowBlock <= end; r += kRowBlock) {
    const float* w0 = w + r * in;
    Lanes a0 = {}, a1 = {}, a2 = {}, a3 = {}, xv, wv;
    for (size_t k = 0; k < vector_end; k += kLanes) {
      for (size_t i = 0; i < kRowBlock; ++i) __builtin_prefetch(w0 + i * in + k + kPrefetchAhead);
      std::memcpy(&xv, x + k, sizeof xv);
      std::memcpy(&wv, w0 + k, sizeof wv);
      a0 += wv * xv;
      std::memcpy(&wv, w0 + in + k, sizeof wv);
      a1 += wv * xv;
      std::memcpy(&wv, w0 + 2 * in + k, sizeof wv);
      a2 += wv * xv;
      std::memcpy(&wv, w0 + 3 * in + k, sizeof wv);
      a3 += wv * xv;
    }
    float sums[kRowBlock] = {sum_of(a0), sum_of(a1), sum_of(a2), sum_of(a3)};
    for (size_t i = 0; i < kRowBlock; ++i) {
      for (size_t k = vector_end; k < in; ++k) sums[i] += w0[i * in + k] * x[k];
      y[r + i] = sums[i] + (bias ? bias[r + i] : 0.0f);
    }
  }
  for (; r < end; ++r) {
    const float* wr = w + r * in;
    Lanes acc = {}, xv, wv;
    for (size_t k = 0; k < vector_end; k += kLanes) {
      __builtin_prefetch(wr + k + kPrefetchAhead);
      std::memcpy(&xv, x + k, sizeof xv);
      std::memcpy(&wv, wr + k, sizeof wv);
      acc += wv * xv;
    }
    float sum = sum_of(acc);
    for (size_t k = vector_end; k < in; ++k) sum += wr[k] * x[k];
    y[r] = sum + (bias ? bias[r] : 0.0f);
  }
}

using RowsKernel = void (*)(const float*, const float*, const float*, float*, size_t, size_t,
                            size_t);

void rows_baseline(const float* x, const float* w, const float* bias, float* y, size_t in,
                   size_t begin, size_t end) {
  rows(x, w, bias, y, in, begin, end);
}

// A build for AVX2 or more already (-march=native, PLEXUS_NATIVE) uses its own level: the
// x86-64-v3/v4 versions would be narrower than the build's target, and GCC refuses to inline into
// them a function compiled for a wider one.
#if defined(__x86_64__) && !defined(__AVX2__)
#define PLEXUS_PICK_KERNEL 1
[[gnu::target("arch=x86-64-v3")]] void rows_avx2(const float* x, const float* w, const float* bias,
                                                 float* y, size_t in, size_t begin, size_t end) {
  rows(x, w, bias, y, in, begin, end);
}
[[gnu::target("arch=x86-64-v4")]] void rows_avx512(const float* x, const float* w,
                                                   const float* bias, float* y, size_t in,
                                                   size_t begin, size_t end) {
  rows(x, w, bias, y, in, begin, end);
}
#endif

RowsKernel best_rows_kernel() {
#ifdef PLEXUS_PICK_KERNEL
  __builtin_cpu_init();
  if (__builtin_cpu_supports("x86-64-v4")) return rows_avx512;
  if (__builtin_cpu_supports("x86-64-v3")) return rows_avx2;
#endif
  return rows_baseline;
}

}  // namespace

void linear_row(const float* x, const float* w, const float* bias, float* y, size_t in, size_t out,
                size_t threads) {
  if (out == 0) return;
  static const RowsKernel kernel = best_rows_kernel();
  const size_t blocks = (out + kRowBlock - 1) / kRowBlock;
  const size_t parts =
      std::clamp<size_t>(out * in / kMinWeightsPerThread, 1, std::min(threads, blocks));
  // Part p always gets the same rows (whole blocks of four), so its worker finds them in its cache.
  run_on_workers(parts, [&](size_t part) {
    const size_t begin = std::min(out, blocks * part / parts * kRowBlock);
    const size_t end = std::min(out, blocks * (part + 1) / parts * kRowBlock);
    kernel(x, w, bias, y, in, begin, end);
  });
}

}  // namespace plexus::cpu
