// Small matrix products without BLAS. For a product of a few thousand multiply-adds, OpenBLAS's
// fixed cost per call (argument checks, thread dispatch, packing buffers) exceeds the arithmetic;
// these loops have none. Large products are not for them: they stay on BLAS (see is_small_gemm).
#pragma once

#include <cstddef>

namespace plexus::cpu {

/// Multiply-adds (M N K) up to which small_gemm beats BLAS, measured in bench/RESULTS.md
/// ("Speed, second round: W3").
inline constexpr size_t kSmallGemmMaxFlops = 128;

/// True when C[M, N] = op(A)[M, K] op(B)[K, N] is small enough for small_gemm.
inline bool is_small_gemm(size_t m, size_t n, size_t k) {
  // Each factor is checked first, so the product cannot overflow.
  return m <= kSmallGemmMaxFlops && n <= kSmallGemmMaxFlops && k <= kSmallGemmMaxFlops &&
         m * n * k <= kSmallGemmMaxFlops;
}

/// The contract of cpu::gemm: C = alpha op(A) op(B) + beta C, row-major. With beta = 0, C is
/// only written, never read (it may hold NaN). Given a bias [N], bias[j] is added to every row of
/// C last (linear's y = x W^T + b in one pass).
void small_gemm(bool transpose_a, bool transpose_b, size_t m, size_t n, size_t k, float alpha,
                const float* a, const float* b, float beta, float* c, const float* bias = nullptr);

/// small_gemm without its shortcuts for a few shapes (N = 1 or 2, K <= 2): its general loops
/// alone, which give the same bits. For the tests that hold the shortcuts to that.
void small_gemm_general(bool transpose_a, bool transpose_b, size_t m, size_t n, size_t k,
                        float alpha, const float* a, const float* b, float beta, float* c,
                        const float* bias = nullptr);

}  // namespace plexus::cpu
