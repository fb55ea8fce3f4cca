// gemm_block through the CBLAS plexus is built with (PLEXUS_BLAS=cblas; OpenBLAS by default): one
// single-threaded BLAS call per block, chosen by the block's shape.
#include <cblas.h>

#include <algorithm>

#include "cpu/gemm_block.hpp"

namespace plexus::cpu {
namespace {

int to_int(size_t value) { return static_cast<int>(value); }

}  // namespace

void gemm_block(const GemmBlock& p) {
  // A product with one output column or row is a matrix-vector product; sgemv skips sgemm's
  // packing buffers, which dominate at the sizes of a batch of one or a single output.
  if (p.n == 1 && p.k > 0) {
    cblas_sgemv(CblasRowMajor, p.transpose_a ? CblasTrans : CblasNoTrans,
                to_int(p.transpose_a ? p.k : p.m), to_int(p.transpose_a ? p.m : p.k), p.alpha, p.a,
                to_int(p.lda), p.b, to_int(p.transpose_b ? 1 : p.ldb), p.beta, p.c, to_int(p.ldc));
    return;
  }
  // With one inner dimension the product is an outer product a b^T: sger adds it in place.
  if (p.k == 1) {
    for (size_t row = 0; row < p.m; ++row) {
      float* c_row = p.c + row * p.ldc;
      if (p.beta == 0.0f) std::fill_n(c_row, p.n, 0.0f);
      if (p.beta != 0.0f && p.beta != 1.0f) cblas_sscal(to_int(p.n), p.beta, c_row, 1);
    }
    cblas_sger(CblasRowMajor, to_int(p.m), to_int(p.n), p.alpha, p.a,
               to_int(p.transpose_a ? 1 : p.lda), p.b, to_int(p.transpose_b ? p.ldb : 1), p.c,
               to_int(p.ldc));
    return;
  }
  if (p.m == 1 && p.k > 0) {
    cblas_sgemv(CblasRowMajor, p.transpose_b ? CblasNoTrans : CblasTrans,
                to_int(p.transpose_b ? p.n : p.k), to_int(p.transpose_b ? p.k : p.n), p.alpha, p.b,
                to_int(p.ldb), p.a, to_int(p.transpose_a ? p.lda : 1), p.beta, p.c, 1);
    return;
  }
  cblas_sgemm(CblasRowMajor, p.transpose_a ? CblasTrans : CblasNoTrans,
              p.transpose_b ? CblasTrans : CblasNoTrans, to_int(p.m), to_int(p.n), to_int(p.k),
              p.alpha, p.a, to_int(std::max<size_t>(p.lda, 1)), p.b,
              to_int(std::max<size_t>(p.ldb, 1)), p.beta, p.c, to_int(p.ldc));
}

}  // namespace plexus::cpu
