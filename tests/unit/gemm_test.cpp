// cpu::gemm on products large enough for the BLAS (or, built with PLEXUS_BLAS=none, the portable
// kernel) against a plain product summed in double: every transpose pair, shapes that cross the
// portable kernel's tile and cache-block edges (6 x 8 tiles, 66 rows, 256 columns, 256 deep),
// one row or one column, alpha and beta, and C holding NaN where beta = 0 says it is not read.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "cpu/blas.hpp"
#include "plexus/tensor/random.hpp"

namespace {

std::vector<float> random_values(size_t count, plexus::Generator& generator) {
  std::vector<float> v(count);
  for (float& x : v) x = generator.uniform(-2.0f, 2.0f);
  return v;
}

struct Case {
  bool transpose_a, transpose_b;
  size_t m, n, k;
  float alpha, beta;
};

void check(const Case& s, plexus::Generator& generator) {
  const std::vector<float> a = random_values(s.m * s.k, generator);
  const std::vector<float> b = random_values(s.k * s.n, generator);
  const std::vector<float> c = random_values(s.m * s.n, generator);
  std::vector<float> got = c;
  if (s.beta == 0.0f) std::fill(got.begin(), got.end(), std::numeric_limits<float>::quiet_NaN());
  plexus::cpu::gemm(s.transpose_a, s.transpose_b, s.m, s.n, s.k, s.alpha, a.data(), b.data(),
                    s.beta, got.data());
  const std::string what = std::string(s.transpose_a ? "A^T" : "A") +
                           (s.transpose_b ? " B^T" : " B") + " m=" + std::to_string(s.m) +
                           " n=" + std::to_string(s.n) + " k=" + std::to_string(s.k) +
                           " alpha=" + std::to_string(s.alpha) + " beta=" + std::to_string(s.beta);
  for (size_t i = 0; i < s.m; ++i)
    for (size_t j = 0; j < s.n; ++j) {
      double sum = 0, magnitude = 0;
      for (size_t p = 0; p < s.k; ++p) {
        const double product = double{s.transpose_a ? a[p * s.m + i] : a[i * s.k + p]} *
                               double{s.transpose_b ? b[j * s.k + p] : b[p * s.n + j]};
        sum += product;
        magnitude += std::abs(product);
      }
      const double expected =
          s.alpha * sum + (s.beta == 0.0f ? 0.0 : double{s.beta} * c[i * s.n + j]);
      // float's rounding on each of k additions, at most, of terms up to the sum of magnitudes.
      const double tolerance = 1e-6 * static_cast<double>(s.k + 2) * (magnitude + 4.0);
      ASSERT_NEAR(got[i * s.n + j], expected, tolerance)
          << what << " at (" << i << ", " << j << ")";
    }
}

TEST(Gemm, MatchesAPlainProductAcrossTheKernelsBlocks) {
  plexus::Generator generator(11);
  const size_t shapes[][3] = {{70, 300, 600}, {1, 257, 513}, {131, 1, 260},
                              {65, 9, 3},     {9, 520, 1},   {4, 8, 257}};
  for (const bool ta : {false, true})
    for (const bool tb : {false, true})
      for (const auto& [m, n, k] : shapes)
        for (const auto& [alpha, beta] : {std::pair{1.0f, 0.0f}, {-0.5f, 1.0f}, {2.0f, 0.25f}})
          check({ta, tb, m, n, k, alpha, beta}, generator);
}

// K = 0 above the small-product path: C becomes beta C (zeros for beta = 0, even over NaN).
TEST(Gemm, AnEmptyInnerDimensionScalesC) {
  const size_t size = 200;  // above small_gemm's limit of 128 per side
  std::vector<float> c(size * size, std::numeric_limits<float>::quiet_NaN());
  plexus::cpu::gemm(false, false, size, size, 0, 1.0f, nullptr, nullptr, 0.0f, c.data());
  EXPECT_EQ(c, std::vector<float>(size * size, 0.0f));
  std::fill(c.begin(), c.end(), 2.0f);
  plexus::cpu::gemm(true, true, size, size, 0, 1.0f, nullptr, nullptr, 0.5f, c.data());
  EXPECT_EQ(c, std::vector<float>(size * size, 1.0f));
}

}  // namespace
