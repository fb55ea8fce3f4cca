// One block of a matrix product, computed single-threaded on the calling thread: the kernel under
// cpu::gemm (cpu/blas.cpp), which cuts large products into such blocks for its worker threads.
// Two implementations, chosen by the build option PLEXUS_BLAS: cblas_gemm.cpp calls the CBLAS,
// portable_gemm.cpp is plexus' own (for builds without a BLAS, such as WebAssembly).
#pragma once

#include <cstddef>

namespace plexus::cpu {

/// C[m, n] = alpha op(A) op(B) + beta C, row-major with leading dimensions lda, ldb, ldc: a whole
/// product or one block of it. op(A) is [m, k], op(B) is [k, n]. beta = 0 never reads C.
struct GemmBlock {
  bool transpose_a, transpose_b;
  size_t m, n, k;
  float alpha;
  const float* a;
  size_t lda;
  const float* b;
  size_t ldb;
  float beta;
  float* c;
  size_t ldc;
};

void gemm_block(const GemmBlock& p);

}  // namespace plexus::cpu
