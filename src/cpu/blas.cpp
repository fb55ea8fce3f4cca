#include "cpu/blas.hpp"

#include <cblas.h>

#include <algorithm>

#include "cpu/small_gemm.hpp"

namespace plexus::cpu {

void gemm(bool transpose_a, bool transpose_b, size_t m, size_t n, size_t k, float alpha,
          const float* a, const float* b, float beta, float* c) {
  if (m == 0 || n == 0) return;
  // Below a few thousand multiply-adds BLAS's fixed cost per call is most of the time.
  if (is_small_gemm(m, n, k))
    return small_gemm(transpose_a, transpose_b, m, n, k, alpha, a, b, beta, c);
  // A product with one output column or row is a matrix-vector product; sgemv skips sgemm's
  // packing buffers, which dominate at the sizes of a batch of one or a single output.
  if (n == 1 && k > 0) {
    cblas_sgemv(CblasRowMajor, transpose_a ? CblasTrans : CblasNoTrans,
                static_cast<int>(transpose_a ? k : m), static_cast<int>(transpose_a ? m : k), alpha,
                a, static_cast<int>(transpose_a ? m : k), b, 1, beta, c, 1);
    return;
  }
  // With one inner dimension the product is an outer product a b^T: sger adds it in place.
  if (k == 1) {
    if (beta == 0.0f) std::fill_n(c, m * n, 0.0f);
    if (beta != 0.0f && beta != 1.0f) cblas_sscal(static_cast<int>(m * n), beta, c, 1);
    cblas_sger(CblasRowMajor, static_cast<int>(m), static_cast<int>(n), alpha, a, 1, b, 1, c,
               static_cast<int>(n));
    return;
  }
  if (m == 1 && k > 0) {
    cblas_sgemv(CblasRowMajor, transpose_b ? CblasNoTrans : CblasTrans,
                static_cast<int>(transpose_b ? n : k), static_cast<int>(transpose_b ? k : n), alpha,
                b, static_cast<int>(transpose_b ? k : n), a, 1, beta, c, 1);
    return;
  }
  const auto lda = static_cast<int>(transpose_a ? m : k);
  const auto ldb = static_cast<int>(transpose_b ? k : n);
  cblas_sgemm(CblasRowMajor, transpose_a ? CblasTrans : CblasNoTrans,
              transpose_b ? CblasTrans : CblasNoTrans, static_cast<int>(m), static_cast<int>(n),
              static_cast<int>(k), alpha, a, lda == 0 ? 1 : lda, b, ldb == 0 ? 1 : ldb, beta, c,
              static_cast<int>(n));
}

}  // namespace plexus::cpu
