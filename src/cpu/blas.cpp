#include "cpu/blas.hpp"

#include <cblas.h>

namespace plexus::cpu {

void gemm(bool transpose_a, bool transpose_b, size_t m, size_t n, size_t k, float alpha,
          const float* a, const float* b, float beta, float* c) {
  if (m == 0 || n == 0) return;
  const auto lda = static_cast<int>(transpose_a ? m : k);
  const auto ldb = static_cast<int>(transpose_b ? k : n);
  cblas_sgemm(CblasRowMajor, transpose_a ? CblasTrans : CblasNoTrans,
              transpose_b ? CblasTrans : CblasNoTrans, static_cast<int>(m), static_cast<int>(n),
              static_cast<int>(k), alpha, a, lda == 0 ? 1 : lda, b, ldb == 0 ? 1 : ldb, beta, c,
              static_cast<int>(n));
}

}  // namespace plexus::cpu
