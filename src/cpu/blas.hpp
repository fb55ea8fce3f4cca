// Kernels only: raw pointers and sizes, no Tensor, no autograd. Matrix products go to the CBLAS
// sgemm of the BLAS plexus was built with (OpenBLAS by default) or, built with PLEXUS_BLAS=none,
// to plexus' portable kernel (cpu/gemm_block.hpp); small ones to cpu::small_gemm.
#pragma once

#include <cstddef>

namespace plexus::cpu {

/// C[M, N] = alpha * op(A) op(B) + beta * C, row-major; op(X) is X or its transpose.
/// op(A) is [M, K] and op(B) is [K, N].
void gemm(bool transpose_a, bool transpose_b, size_t m, size_t n, size_t k, float alpha,
          const float* a, const float* b, float beta, float* c);

}  // namespace plexus::cpu
