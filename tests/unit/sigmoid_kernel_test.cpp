// cpu/sigmoid.hpp: the vector kernel against the sigmoid computed in double over a sample of every
// binade up to 20 (and an even sweep out to +-100), the scalar and vector forms giving the same
// bits, and the values at 0, the tails, infinities and NaN.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "cpu/activation.hpp"
#include "cpu/sigmoid.hpp"

namespace {

using plexus::cpu::sigmoid_forward;
using plexus::cpu::sigmoid_lanes;

double exact(float x) { return 1.0 / (1.0 + std::exp(-static_cast<double>(x))); }

// The worst relative error of sigmoid_forward over xs, checking each value against the scalar form.
double worst_relative_error(const std::vector<float>& xs) {
  std::vector<float> ys(xs.size());
  sigmoid_forward(ys.data(), xs.data(), xs.size());
  double worst = 0.0;
  for (size_t i = 0; i < xs.size(); ++i) {
    const float scalar = sigmoid_lanes(xs[i]);
    EXPECT_EQ(std::memcmp(&scalar, &ys[i], sizeof scalar), 0)
        << "x = " << xs[i] << ": vector " << ys[i] << ", scalar " << scalar;
    const double want = exact(xs[i]);
    if (want > 1e-37) worst = std::max(worst, std::fabs(ys[i] - want) / want);
  }
  return worst;
}

TEST(SigmoidKernel, IsWithinTwoUlpOfTheExactValueAcrossEveryBinadeUpTo20) {
  // Every 331st float from 1e-30 to 20, and its negation: each binade, the dense ones near zero
  // included, is sampled as evenly as the range around 1.
  std::vector<float> xs;
  uint32_t bits;
  const float low = 1e-30f;
  std::memcpy(&bits, &low, sizeof bits);
  for (float x = low; x <= 20.0f; bits += 331, std::memcpy(&x, &bits, sizeof x)) {
    xs.push_back(x);
    xs.push_back(-x);
  }
  EXPECT_LT(worst_relative_error(xs), 2.4e-7);  // 2 ulp of the float result
}

TEST(SigmoidKernel, IsWithinTwoUlpOutToTheTails) {
  std::vector<float> xs;
  for (int i = -1'000'000; i <= 1'000'000; ++i) xs.push_back(static_cast<float>(i) * 1e-4f);
  EXPECT_LT(worst_relative_error(xs), 2.4e-7);
}

TEST(SigmoidKernel, GivesTheLimitsAtZeroInfinityAndNaN) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  const std::vector<float> xs = {0.0f,  -0.0f,  kInf,   -kInf,   std::nanf(""),
                                 17.0f, -87.0f, -88.0f, -100.0f, 100.0f};
  std::vector<float> ys(xs.size());
  sigmoid_forward(ys.data(), xs.data(), xs.size());
  EXPECT_EQ(ys[0], 0.5f);
  EXPECT_EQ(ys[1], 0.5f);
  EXPECT_EQ(ys[2], 1.0f);
  EXPECT_EQ(ys[3], 0.0f);
  EXPECT_TRUE(std::isnan(ys[4]));
  EXPECT_EQ(ys[5], 1.0f);  // 1 - 4e-8 rounds to 1, as 1 / (1 + e^-17) does
  EXPECT_NEAR(ys[6], exact(-87.0f), 1e-44);
  EXPECT_EQ(ys[7], 0.0f);  // NOTE: under FLT_MIN (as 1 / (1 + e^88) is with flush-to-zero)
  EXPECT_EQ(ys[8], 0.0f);
  EXPECT_EQ(ys[9], 1.0f);
  EXPECT_EQ(plexus::cpu::sigmoid(-3.5f), sigmoid_lanes(-3.5f));
}

}  // namespace
