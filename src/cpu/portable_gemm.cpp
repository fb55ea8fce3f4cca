// gemm_block without a BLAS (PLEXUS_BLAS=none; the WebAssembly build): the blocked product of
// GotoBLAS in portable C++. op(B) is packed a panel at a time and op(A) a block at a time into
// contiguous buffers (which takes care of the transposes), and a register tile of C, kRows x
// kCols, is summed over K from them. The tile is a few four-float vectors (GCC/Clang vector
// extensions), so the baseline SSE2 build and WebAssembly SIMD (-msimd128) vectorise it alike.
// Every element of C is summed over K in order, whatever the tile it falls in: the bits do not
// depend on how cpu::gemm cuts the product.
#include <algorithm>
#include <cstring>
#include <vector>

#include "cpu/gemm_block.hpp"

namespace plexus::cpu {
namespace {

using Vec = float __attribute__((vector_size(16)));
constexpr size_t kLanes = sizeof(Vec) / sizeof(float);

// The register tile: kRows x kVecs accumulators, 12 of x86-64's 16 vector registers (6 x 8 ran
// 10-30% faster than 4 x 8 on the products of a 784-256-10 network).
constexpr size_t kRows = 6;
constexpr size_t kVecs = 2;
constexpr size_t kCols = kVecs * kLanes;
// Cache blocks: a packed panel of op(B) (kDepth x kPanelCols, 256 KiB) and a packed block of op(A)
// (kBlockRows x kDepth, 66 KiB), reused across the tiles they share.
constexpr size_t kDepth = 256;
constexpr size_t kPanelCols = 256;
constexpr size_t kBlockRows = 66;

// op(A)[i, p] and op(B)[p, j].
float a_at(const GemmBlock& g, size_t i, size_t p) {
  return g.transpose_a ? g.a[p * g.lda + i] : g.a[i * g.lda + p];
}
float b_at(const GemmBlock& g, size_t p, size_t j) {
  return g.transpose_b ? g.b[j * g.ldb + p] : g.b[p * g.ldb + j];
}

// op(B)[p0 .. p0+depth, j0 .. j0+cols] as strips of kCols columns, each [depth][kCols],
// zero-padded.
void pack_b(const GemmBlock& g, size_t p0, size_t depth, size_t j0, size_t cols, float* out) {
  for (size_t strip = 0; strip < cols; strip += kCols) {
    const size_t width = std::min(kCols, cols - strip);
    for (size_t p = 0; p < depth; ++p, out += kCols) {
      if (!g.transpose_b && width == kCols) {
        std::memcpy(out, g.b + (p0 + p) * g.ldb + j0 + strip, kCols * sizeof(float));
        continue;
      }
      for (size_t j = 0; j < kCols; ++j)
        out[j] = j < width ? b_at(g, p0 + p, j0 + strip + j) : 0.0f;
    }
  }
}

// op(A)[i0 .. i0+rows, p0 .. p0+depth] as strips of kRows rows, each [depth][kRows], zero-padded.
void pack_a(const GemmBlock& g, size_t i0, size_t rows, size_t p0, size_t depth, float* out) {
  for (size_t strip = 0; strip < rows; strip += kRows) {
    const size_t height = std::min(kRows, rows - strip);
    for (size_t p = 0; p < depth; ++p, out += kRows)
      for (size_t r = 0; r < kRows; ++r)
        out[r] = r < height ? a_at(g, i0 + strip + r, p0 + p) : 0.0f;
  }
}

// C's tile (rows x cols of it valid) = alpha * sum_p a[p] b[p] + beta * C; beta = 0 never reads C.
void tile(size_t depth, const float* a, const float* b, float alpha, float beta, float* c,
          size_t ldc, size_t rows, size_t cols) {
  Vec sum[kRows][kVecs] = {};
  for (size_t p = 0; p < depth; ++p, a += kRows, b += kCols) {
    Vec b_row[kVecs];
    std::memcpy(b_row, b, sizeof b_row);
    for (size_t r = 0; r < kRows; ++r)
      for (size_t v = 0; v < kVecs; ++v) sum[r][v] += a[r] * b_row[v];
  }
  float out[kRows][kCols];
  std::memcpy(out, sum, sizeof out);
  for (size_t r = 0; r < rows; ++r) {
    float* c_row = c + r * ldc;
    if (beta == 0.0f) {
      for (size_t j = 0; j < cols; ++j) c_row[j] = alpha * out[r][j];
    } else {
      for (size_t j = 0; j < cols; ++j) c_row[j] = alpha * out[r][j] + beta * c_row[j];
    }
  }
}

}  // namespace

void gemm_block(const GemmBlock& g) {
  if (g.m == 0 || g.n == 0) return;
  if (g.k == 0) {
    for (size_t i = 0; i < g.m; ++i)
      for (size_t j = 0; j < g.n; ++j)
        g.c[i * g.ldc + j] = g.beta == 0.0f ? 0.0f : g.beta * g.c[i * g.ldc + j];
    return;
  }
  // One pair of buffers per thread, kept: a product allocates nothing once warm.
  thread_local std::vector<float> packed_b(kDepth * kPanelCols);
  thread_local std::vector<float> packed_a(kBlockRows * kDepth);
  for (size_t j0 = 0; j0 < g.n; j0 += kPanelCols) {
    const size_t cols = std::min(kPanelCols, g.n - j0);
    for (size_t p0 = 0; p0 < g.k; p0 += kDepth) {
      const size_t depth = std::min(kDepth, g.k - p0);
      // The first slice of K scales C by beta; the others add to it.
      const float beta = p0 == 0 ? g.beta : 1.0f;
      pack_b(g, p0, depth, j0, cols, packed_b.data());
      for (size_t i0 = 0; i0 < g.m; i0 += kBlockRows) {
        const size_t rows = std::min(kBlockRows, g.m - i0);
        pack_a(g, i0, rows, p0, depth, packed_a.data());
        for (size_t j = 0; j < cols; j += kCols)
          for (size_t i = 0; i < rows; i += kRows)
            tile(depth, packed_a.data() + i * depth, packed_b.data() + j * depth, g.alpha, beta,
                 g.c + (i0 + i) * g.ldc + j0 + j, g.ldc, std::min(kRows, rows - i),
                 std::min(kCols, cols - j));
      }
    }
  }
}

}  // namespace plexus::cpu
