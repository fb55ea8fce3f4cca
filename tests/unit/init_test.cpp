// px::init: each scheme's statistics on large tensors against its formula, orthogonality, the
// gains of calculate_gain, seeding, and errors for tensors without fans.
#include <gtest/gtest.h>

#include <cmath>
#include <plexus/plexus.hpp>
#include <vector>

namespace px = plexus;
namespace init = plexus::init;
using init::FanMode;
using px::Tensor;

namespace {

struct Stats {
  double mean = 0, std = 0, min = 0, max = 0;
};

Stats stats_of(const Tensor& t) {
  double sum = 0, squares = 0;
  Stats s{0, 0, t.data()[0], t.data()[0]};
  for (float v : t.to_vector()) {
    sum += v;
    s.min = std::min<double>(s.min, v);
    s.max = std::max<double>(s.max, v);
  }
  const double n = static_cast<double>(t.numel());
  s.mean = sum / n;
  for (float v : t.to_vector()) squares += (v - s.mean) * (v - s.mean);
  s.std = std::sqrt(squares / n);
  return s;
}

// A 500 x 800 weight: fan_in = 800, fan_out = 500, 400,000 samples (std estimated within ~0.3%).
Tensor weight() { return Tensor::empty({500, 800}); }

void expect_std(const Tensor& t, double expected_std) {
  const Stats s = stats_of(t);
  EXPECT_NEAR(s.mean, 0.0, 0.01 * expected_std);
  EXPECT_NEAR(s.std, expected_std, 0.02 * expected_std);
}

}  // namespace

TEST(Init, CalculateGainMatchesPyTorch) {
  EXPECT_FLOAT_EQ(init::calculate_gain("linear"), 1.0f);
  EXPECT_FLOAT_EQ(init::calculate_gain("sigmoid"), 1.0f);
  EXPECT_FLOAT_EQ(init::calculate_gain("tanh"), 5.0f / 3.0f);
  EXPECT_FLOAT_EQ(init::calculate_gain("relu"), std::sqrt(2.0f));
  EXPECT_FLOAT_EQ(init::calculate_gain("leaky_relu"), std::sqrt(2.0f / (1.0f + 0.01f * 0.01f)));
  EXPECT_FLOAT_EQ(init::calculate_gain("leaky_relu", 0.2f), std::sqrt(2.0f / 1.04f));
  EXPECT_FLOAT_EQ(init::calculate_gain("selu"), 0.75f);
  EXPECT_THROW(init::calculate_gain("swish"), px::Error);
}

TEST(Init, ConstantsFillEveryElement) {
  const Tensor t = Tensor::empty({3, 4});
  EXPECT_EQ(init::zeros_(t).to_vector(), std::vector<float>(12, 0.0f));
  EXPECT_EQ(init::ones_(t).to_vector(), std::vector<float>(12, 1.0f));
  init::constant_(t, 2.5f);  // in place: t itself changes
  EXPECT_EQ(t.to_vector(), std::vector<float>(12, 2.5f));
}

TEST(Init, UniformAndNormalHaveTheirMoments) {
  const Stats u = stats_of(init::uniform_(weight(), -2.0f, 3.0f, 1));
  EXPECT_GE(u.min, -2.0);
  EXPECT_LT(u.max, 3.0);
  EXPECT_NEAR(u.mean, 0.5, 0.01);
  EXPECT_NEAR(u.std, 5.0 / std::sqrt(12.0), 0.01 * 5.0 / std::sqrt(12.0));
  const Stats n = stats_of(init::normal_(weight(), 1.5f, 0.2f, 2));
  EXPECT_NEAR(n.mean, 1.5, 0.002);
  EXPECT_NEAR(n.std, 0.2, 0.004);
}

TEST(Init, XavierStdIsGainTimesSqrtTwoOverFanInPlusFanOut) {
  const double std = 1.3 * std::sqrt(2.0 / (800 + 500));
  const Tensor u = init::xavier_uniform_(weight(), 1.3f, 3);
  expect_std(u, std);
  EXPECT_LE(stats_of(u).max, std * std::sqrt(3.0));  // bound a = sqrt(3) std
  EXPECT_GT(stats_of(u).max, 0.99 * std * std::sqrt(3.0));
  expect_std(init::xavier_normal_(weight(), 1.3f, 4), std);
}

TEST(Init, KaimingStdIsGainOverSqrtFan) {
  const double relu_fan_in = std::sqrt(2.0) / std::sqrt(800.0);
  const Tensor u = init::kaiming_uniform_(weight(), 0.0f, FanMode::fan_in, "relu", 5);
  expect_std(u, relu_fan_in);
  EXPECT_LE(stats_of(u).max, relu_fan_in * std::sqrt(3.0));
  expect_std(init::kaiming_normal_(weight(), 0.0f, FanMode::fan_in, "relu", 6), relu_fan_in);
  expect_std(init::kaiming_normal_(weight(), 0.0f, FanMode::fan_out, "relu", 7),
             std::sqrt(2.0) / std::sqrt(500.0));
  // leaky_relu with slope a: gain sqrt(2 / (1 + a^2)); the default a = 0 is relu's gain.
  expect_std(init::kaiming_uniform_(weight(), 0.5f, FanMode::fan_in, "leaky_relu", 8),
             std::sqrt(2.0 / 1.25) / std::sqrt(800.0));
  expect_std(init::kaiming_normal_(weight(), 0.0f, FanMode::fan_in, "tanh", 9),
             (5.0 / 3.0) / std::sqrt(800.0));
  // Defaults are PyTorch's: a = 0, fan_in, leaky_relu.
  expect_std(init::kaiming_normal_(weight()), relu_fan_in);
}

TEST(Init, LecunNormalStdIsOneOverSqrtFanIn) {
  expect_std(init::lecun_normal_(weight(), 10), 1.0 / std::sqrt(800.0));
}

TEST(Init, FansCountTheReceptiveFieldOfHigherRankTensors) {
  // [Out, In, k] = [40, 30, 5]: fan_in = 150, fan_out = 200.
  expect_std(
      init::kaiming_normal_(Tensor::empty({400, 300, 5}), 0.0f, FanMode::fan_in, "linear", 11),
      1.0 / std::sqrt(1500.0));
  expect_std(
      init::kaiming_normal_(Tensor::empty({400, 300, 5}), 0.0f, FanMode::fan_out, "linear", 12),
      1.0 / std::sqrt(2000.0));
}

TEST(Init, OrthogonalGivesOrthonormalRowsOrColumns) {
  auto gram = [](const Tensor& w, bool rows) {
    return rows ? px::matmul(w, w.t()) : px::matmul(w.t(), w);
  };
  auto expect_identity = [](const Tensor& g, float scale) {
    for (int64_t i = 0; i < g.shape(0); ++i)
      for (int64_t j = 0; j < g.shape(1); ++j)
        EXPECT_NEAR(g.at({i, j}), i == j ? scale : 0.0f, 2e-5f * scale) << i << "," << j;
  };
  expect_identity(gram(init::orthogonal_(Tensor::empty({64, 128}), 1.0f, 1), true), 1.0f);
  expect_identity(gram(init::orthogonal_(Tensor::empty({128, 64}), 1.0f, 2), false), 1.0f);
  expect_identity(gram(init::orthogonal_(Tensor::empty({50, 50}), 1.0f, 3), true), 1.0f);
  expect_identity(gram(init::orthogonal_(Tensor::empty({50, 50}), 2.0f, 4), false), 4.0f);
  // Higher rank: viewed as [shape[0], rest].
  const Tensor w = init::orthogonal_(Tensor::empty({4, 2, 3}), 1.0f, 5);
  expect_identity(gram(w.reshape({4, 6}), true), 1.0f);
  EXPECT_THROW(init::orthogonal_(Tensor::empty({5}), 1.0f, 0), px::Error);
}

TEST(Init, SameSeedGivesTheSameValues) {
  using Scheme = std::function<Tensor(Tensor, uint64_t)>;
  const std::vector<Scheme> schemes = {
      [](Tensor t, uint64_t s) { return init::uniform_(t, -1, 1, s); },
      [](Tensor t, uint64_t s) { return init::normal_(t, 0, 1, s); },
      [](Tensor t, uint64_t s) { return init::xavier_uniform_(t, 1, s); },
      [](Tensor t, uint64_t s) { return init::xavier_normal_(t, 1, s); },
      [](Tensor t, uint64_t s) { return init::kaiming_uniform_(t, 0, FanMode::fan_in, "relu", s); },
      [](Tensor t, uint64_t s) { return init::kaiming_normal_(t, 0, FanMode::fan_in, "relu", s); },
      [](Tensor t, uint64_t s) { return init::lecun_normal_(t, s); },
      [](Tensor t, uint64_t s) { return init::orthogonal_(t, 1, s); },
  };
  for (size_t i = 0; i < schemes.size(); ++i) {
    const auto first = schemes[i](Tensor::empty({6, 7}), 42).to_vector();
    EXPECT_EQ(first, schemes[i](Tensor::empty({6, 7}), 42).to_vector()) << "scheme " << i;
    EXPECT_NE(first, schemes[i](Tensor::empty({6, 7}), 43).to_vector()) << "scheme " << i;
  }
  // Without a seed: the global sequence, restarted by manual_seed.
  px::manual_seed(123);
  const auto a = init::normal_(Tensor::empty({10})).to_vector();
  const auto b = init::normal_(Tensor::empty({10})).to_vector();
  px::manual_seed(123);
  EXPECT_EQ(init::normal_(Tensor::empty({10})).to_vector(), a);
  EXPECT_EQ(init::normal_(Tensor::empty({10})).to_vector(), b);
  EXPECT_NE(a, b);
}

TEST(Init, TensorsWithoutFansAreRejectedWithTheirShape) {
  try {
    init::xavier_uniform_(Tensor::empty({7}));
    FAIL() << "no error";
  } catch (const px::Error& e) {
    EXPECT_STREQ(e.what(),
                 "init::xavier_uniform: fan in and fan out need a tensor of at least 2 "
                 "dimensions, got shape [7]");
  }
  EXPECT_THROW(init::kaiming_normal_(Tensor::empty({3})), px::Error);
  EXPECT_THROW(init::lecun_normal_(Tensor::empty({})), px::Error);
  EXPECT_THROW(init::uniform_(Tensor(), 0, 1), px::Error);
}
