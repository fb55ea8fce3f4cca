// Kernels only: raw pointers and sizes, no Tensor, no autograd. Matrix products go to the CBLAS
// sgemm of the BLAS plexus was built with (OpenBLAS by default) or, built with PLEXUS_BLAS=none,
// to plexus' portable kernel (cpu/gemm_block.hpp); small ones to cpu::small_gemm.
#pragma once

#include <cstddef>

#include "cpu/small_gemm.hpp"

namespace plexus::cpu {

/// gemm's products that are not small: blocks of the BLAS sgemm, shared with the workers.
void large_gemm(bool transpose_a, bool transpose_b, size_t m, size_t n, size_t k, float alpha,
                const float* a, const float* b, float beta, float* c);

/// C[M, N] = alpha * op(A) op(B) + beta * C, row-major; op(X) is X or its transpose.
/// op(A) is [M, K] and op(B) is [K, N]. Inline: a tiny layer's products go straight to
/// small_gemm, as a call and its checks cost more than their arithmetic.
inline void gemm(bool transpose_a, bool transpose_b, size_t m, size_t n, size_t k, float alpha,
                 const float* a, const float* b, float beta, float* c) {
  // Below a few thousand multiply-adds BLAS's fixed cost per call is most of the time (an empty
  // C is small: small_gemm writes nothing).
  if (is_small_gemm(m, n, k))
    return small_gemm(transpose_a, transpose_b, m, n, k, alpha, a, b, beta, c);
  large_gemm(transpose_a, transpose_b, m, n, k, alpha, a, b, beta, c);
}

}  // namespace plexus::cpu
