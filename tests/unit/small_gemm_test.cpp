// cpu::small_gemm against a plain product summed in double on every transpose pair, a sweep of
// small shapes (m, n or k = 1 included), several alpha and beta, and C holding NaN where beta = 0
// says it is not read; its shortcuts for a few shapes against its general loops, bit for bit.
// cpu::gemm too, whichever kernel it was built with (PLEXUS_BLAS).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "base/compat.hpp"
#include "cpu/blas.hpp"
#include "cpu/small_gemm.hpp"
#include "plexus/tensor/random.hpp"

namespace {

using plexus::cpu::small_gemm;

struct Case {
  bool transpose_a, transpose_b;
  size_t m, n, k;
  float alpha, beta;
};

std::vector<float> random_values(size_t count, plexus::Generator& generator) {
  std::vector<float> v(count);
  for (float& x : v) x = generator.uniform(-2.0f, 2.0f);
  return v;
}

// C = alpha op(A) op(B) + beta C, each element summed in double and rounded once.
void reference_gemm(const Case& s, const float* a, const float* b, float* c) {
  for (size_t i = 0; i < s.m; ++i)
    for (size_t j = 0; j < s.n; ++j) {
      double sum = 0;
      for (size_t p = 0; p < s.k; ++p)
        sum += double{s.transpose_a ? a[p * s.m + i] : a[i * s.k + p]} *
               double{s.transpose_b ? b[j * s.k + p] : b[p * s.n + j]};
      float& out = c[i * s.n + j];
      out = static_cast<float>(s.alpha * sum + (s.beta == 0.0f ? 0.0 : double{s.beta} * out));
    }
}

std::string describe(const Case& s) {
  return std::string(s.transpose_a ? "A^T" : "A") + (s.transpose_b ? " B^T" : " B") +
         " m=" + std::to_string(s.m) + " n=" + std::to_string(s.n) + " k=" + std::to_string(s.k) +
         " alpha=" + std::to_string(s.alpha) + " beta=" + std::to_string(s.beta);
}

// Same sums in another order: equal to a few ulps of the sum of magnitudes.
void expect_matches_reference(const Case& s, plexus::Generator& generator) {
  const std::vector<float> a = random_values(s.m * s.k, generator);
  const std::vector<float> b = random_values(s.k * s.n, generator);
  std::vector<float> expected = random_values(s.m * s.n, generator);
  std::vector<float> got = expected;
  if (s.beta == 0.0f) std::fill(got.begin(), got.end(), std::numeric_limits<float>::quiet_NaN());
  reference_gemm(s, a.data(), b.data(), expected.data());
  small_gemm(s.transpose_a, s.transpose_b, s.m, s.n, s.k, s.alpha, a.data(), b.data(), s.beta,
             got.data());
  const float tolerance = 1e-5f * static_cast<float>(s.k + 1) * 4.0f * (std::abs(s.alpha) + 1.0f);
  for (size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got[i], expected[i], tolerance) << describe(s) << " at element " << i;
}

TEST(SmallGemm, MatchesAPlainProductOnEveryTransposeShapeAlphaAndBeta) {
  plexus::Generator generator(7);
  size_t cases = 0;
  for (const bool ta : {false, true})
    for (const bool tb : {false, true})
      for (const size_t m : {1, 2, 3, 4, 5, 8})
        for (const size_t n : {1, 2, 3, 7, 8, 15, 16, 17, 33})
          for (const size_t k : {1, 2, 4, 5, 8})
            for (const float alpha : {1.0f, -0.5f, 0.0f})
              for (const float beta : {0.0f, 1.0f, 0.25f}) {
                expect_matches_reference({ta, tb, m, n, k, alpha, beta}, generator);
                ++cases;
              }
  EXPECT_EQ(cases, 4u * 6 * 9 * 5 * 3 * 3);
}

// A bias is added to every row last: the same bits as the product without it, then + bias[j].
// (linear relies on it to give the bits it gave when C started as the bias.)
TEST(SmallGemm, ABiasIsAddedToEveryRowAfterTheProduct) {
  plexus::Generator generator(11);
  for (const bool ta : {false, true})
    for (const bool tb : {false, true})
      for (const size_t m : {1, 3, 4, 8})
        for (const size_t n : {1, 2, 5, 8, 17})
          for (const float beta : {0.0f, 0.5f}) {
            const size_t k = 3;
            const std::vector<float> a = random_values(m * k, generator);
            const std::vector<float> b = random_values(k * n, generator);
            const std::vector<float> bias = random_values(n, generator);
            std::vector<float> expected = random_values(m * n, generator);
            std::vector<float> got = expected;
            small_gemm(ta, tb, m, n, k, 1.0f, a.data(), b.data(), beta, expected.data());
            for (size_t i = 0; i < m; ++i)
              for (size_t j = 0; j < n; ++j) expected[i * n + j] += bias[j];
            small_gemm(ta, tb, m, n, k, 1.0f, a.data(), b.data(), beta, got.data(), bias.data());
            ASSERT_EQ(got, expected) << describe({ta, tb, m, n, k, 1.0f, beta});
          }
}

// The shortcuts for a few shapes (a matrix-vector product for N = 1, both columns at once for
// N = 2, op(B) held in registers for K <= 2) sum the same terms in the same order as the general
// loops: the same bits, signed zeros included, over the shapes they take and their neighbours.
TEST(SmallGemm, ShortcutsGiveTheBitsOfTheGeneralLoops) {
  plexus::Generator generator(5);
  auto values = [&](size_t count) {  // random, with some +0 and -0
    std::vector<float> v = random_values(count, generator);
    for (size_t i = 0; i < count; i += 5) v[i] = (i / 5) % 2 ? 0.0f : -0.0f;
    return v;
  };
  size_t cases = 0;
  for (const bool ta : {false, true})
    for (const bool tb : {false, true})
      for (const size_t m : {1, 2, 3, 4, 5, 7, 8, 9, 12, 16, 21})
        for (const size_t n : {1, 2, 3, 4, 8, 9})
          for (const size_t k : {1, 2, 3, 4, 5, 8, 9})
            for (const float beta : {0.0f, 1.0f, 0.25f})
              for (const bool with_bias : {false, true}) {
                const float alpha = k % 2 ? 1.0f : -0.5f;
                const std::vector<float> a = values(m * k);
                const std::vector<float> b = values(k * n);
                const std::vector<float> bias = values(n);
                const float* bias_data = with_bias ? bias.data() : nullptr;
                std::vector<float> expected = values(m * n);
                std::vector<float> got = expected;
                plexus::cpu::small_gemm_general(ta, tb, m, n, k, alpha, a.data(), b.data(), beta,
                                                expected.data(), bias_data);
                small_gemm(ta, tb, m, n, k, alpha, a.data(), b.data(), beta, got.data(), bias_data);
                for (size_t i = 0; i < got.size(); ++i)
                  ASSERT_EQ(plexus::compat::bit_cast<uint32_t>(got[i]),
                            plexus::compat::bit_cast<uint32_t>(expected[i]))
                      << describe({ta, tb, m, n, k, alpha, beta}) << (with_bias ? " bias" : "")
                      << " at element " << i << ": " << got[i] << " against " << expected[i];
                ++cases;
              }
  EXPECT_EQ(cases, 4u * 11 * 6 * 7 * 3 * 2);
}

// K = 0: the product is empty, so C becomes beta C (zeros for beta = 0, even over NaN).
TEST(SmallGemm, AnEmptyInnerDimensionScalesC) {
  std::vector<float> c = {1.0f, -2.0f, 3.0f, std::numeric_limits<float>::quiet_NaN()};
  small_gemm(false, true, 2, 2, 0, 1.0f, nullptr, nullptr, 0.5f, c.data());
  EXPECT_EQ(c[0], 0.5f);
  EXPECT_EQ(c[2], 1.5f);
  small_gemm(false, false, 2, 2, 0, 1.0f, nullptr, nullptr, 0.0f, c.data());
  EXPECT_EQ(c, (std::vector<float>{0, 0, 0, 0}));
}

// cpu::gemm takes the small path only below the threshold; either side gives the same values.
TEST(SmallGemm, GemmAgreesWithAPlainProductOnBothSidesOfTheThreshold) {
  EXPECT_TRUE(plexus::cpu::is_small_gemm(4, 8, 2));
  EXPECT_FALSE(plexus::cpu::is_small_gemm(16, 16, 16));
  const size_t huge = std::numeric_limits<size_t>::max() / 2;  // huge * huge overflows
  EXPECT_FALSE(plexus::cpu::is_small_gemm(huge, huge, 1));
  plexus::Generator generator(3);
  for (const size_t size : {4, 5, 6, 16, 40}) {
    const Case s{false, true, size, size, size, 1.0f, 1.0f};
    const std::vector<float> a = random_values(size * size, generator);
    const std::vector<float> b = random_values(size * size, generator);
    std::vector<float> expected = random_values(size * size, generator);
    std::vector<float> got = expected;
    reference_gemm(s, a.data(), b.data(), expected.data());
    plexus::cpu::gemm(false, true, size, size, size, 1.0f, a.data(), b.data(), 1.0f, got.data());
    for (size_t i = 0; i < got.size(); ++i)
      ASSERT_NEAR(got[i], expected[i], 1e-4f * static_cast<float>(size)) << "size " << size;
  }
}

}  // namespace
