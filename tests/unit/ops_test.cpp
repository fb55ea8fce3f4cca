// Forward values of the core ops on small hand-checked cases, and their shape errors.
#include <gtest/gtest.h>

#include <cmath>
#include <plexus/plexus.hpp>

namespace px = plexus;
using px::Tensor;
using V = std::vector<float>;

TEST(Ops, BroadcastRowVectorOverBatch) {
  const Tensor x = Tensor::from({1, 2, 3, 4, 5, 6}, {2, 3});
  const Tensor b = Tensor::from({10, 20, 30}, {3});
  EXPECT_EQ((x + b).to_vector(), (V{11, 22, 33, 14, 25, 36}));
  EXPECT_EQ((x * Tensor::from({2, 3}, {2, 1})).to_vector(), (V{2, 4, 6, 12, 15, 18}));
  EXPECT_EQ((Tensor::from({1, 2}, {2, 1}) - Tensor::from({1, 2, 3}, {1, 3})).shape(),
            (px::Shape{2, 3}));
}

TEST(Ops, ScalarOperatorsAndNegation) {
  const Tensor x = Tensor::from({1, 2, 4}, {3});
  EXPECT_EQ((x - 1.f).to_vector(), (V{0, 1, 3}));
  EXPECT_EQ((1.f - x).to_vector(), (V{0, -1, -3}));
  EXPECT_EQ((x * 2.f).to_vector(), (V{2, 4, 8}));
  EXPECT_EQ((4.f / x).to_vector(), (V{4, 2, 1}));
  EXPECT_EQ((-x).to_vector(), (V{-1, -2, -4}));
  EXPECT_EQ(px::pow(x, 2.f).to_vector(), (V{1, 4, 16}));
}

TEST(Ops, ShapeMismatchNamesOpAndBothShapes) {
  const Tensor a = Tensor::ones({128, 784});
  const Tensor b = Tensor::ones({512, 10});
  try {
    (void)px::matmul(a, b);
    FAIL() << "no error";
  } catch (const px::Error& e) {
    EXPECT_STREQ(e.what(), "matmul: [128, 784] x [512, 10]: inner sizes differ (784 != 512)");
  }
  try {
    (void)(Tensor::ones({2, 3}) + Tensor::ones({4}));
    FAIL() << "no error";
  } catch (const px::Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("add"), std::string::npos) << message;
    EXPECT_NE(message.find("[2, 3]"), std::string::npos) << message;
    EXPECT_NE(message.find("[4]"), std::string::npos) << message;
  }
  EXPECT_THROW(px::linear(Tensor::ones({2, 3}), Tensor::ones({4, 5})), px::Error);
  EXPECT_THROW(px::concat({Tensor::ones({2, 3}), Tensor::ones({3, 3})}, 1), px::Error);
  EXPECT_THROW(px::sum(Tensor::ones({2}), 1), px::Error);
}

TEST(Ops, MatmulAndLinearMatchHandComputation) {
  const Tensor a = Tensor::from({1, 2, 3, 4, 5, 6}, {2, 3});
  const Tensor b = Tensor::from({1, 0, 0, 1, 1, 1}, {3, 2});
  EXPECT_EQ(px::matmul(a, b).to_vector(), (V{4, 5, 10, 11}));
  const Tensor w = Tensor::from({1, 0, 1, 0, 1, 1}, {2, 3});  // [Out=2, In=3]
  const Tensor bias = Tensor::from({0.5f, -1}, {2});
  EXPECT_EQ(px::linear(a, w, bias).to_vector(), (V{4.5f, 4, 10.5f, 10}));
}

// No input features: every row of the output is the bias (zeros without one), small or large.
TEST(Ops, LinearWithoutInputFeaturesGivesTheBiasOnEveryRow) {
  for (const int64_t rows : {3, 600}) {
    const Tensor x = Tensor::empty({rows, 0});
    const Tensor w = Tensor::empty({2, 0});
    const Tensor y = px::linear(x, w, Tensor::from({0.5f, -1}, {2}));
    ASSERT_EQ(y.shape(), (px::Shape{rows, 2}));
    for (int64_t r = 0; r < rows; ++r) {
      EXPECT_EQ(y.at({r, 0}), 0.5f);
      EXPECT_EQ(y.at({r, 1}), -1.0f);
    }
    EXPECT_EQ(px::linear(x, w, Tensor()).to_vector(), V(static_cast<size_t>(rows) * 2, 0.0f));
  }
}

TEST(Ops, ReductionsAlongAxes) {
  const Tensor x = Tensor::from({1, 5, 3, 4, 2, 6}, {2, 3});
  EXPECT_EQ(px::sum(x).item(), 21.f);
  EXPECT_EQ(px::mean(x).item(), 3.5f);
  EXPECT_EQ(px::sum(x, 0).to_vector(), (V{5, 7, 9}));
  EXPECT_EQ(px::sum(x, 1, true).shape(), (px::Shape{2, 1}));
  EXPECT_EQ(px::mean(x, -1).to_vector(), (V{3, 4}));
  EXPECT_EQ(px::max(x, 1).to_vector(), (V{5, 6}));
  EXPECT_EQ(px::min(x, 0).to_vector(), (V{1, 2, 3}));
  EXPECT_EQ(px::argmax(x, 1).to_vector(), (V{1, 2}));
  EXPECT_EQ(px::argmin(x, 1).to_vector(), (V{0, 1}));
}

TEST(Ops, MaxPropagatesNaN) {
  const Tensor x = Tensor::from({1, NAN, 3}, {1, 3});
  EXPECT_TRUE(std::isnan(px::max(x, 1).item()));
}

TEST(Ops, ComparisonsAndWhere) {
  const Tensor a = Tensor::from({1, 2, 3}, {3});
  const Tensor b = Tensor::from({3, 2, 1}, {3});
  EXPECT_EQ((a > b).to_vector(), (V{0, 0, 1}));
  EXPECT_EQ((a >= b).to_vector(), (V{0, 1, 1}));
  EXPECT_EQ(px::eq(a, b).to_vector(), (V{0, 1, 0}));
  EXPECT_EQ(px::where(a > 1.5f, a, Tensor::scalar(-1.f)).to_vector(), (V{-1, 2, 3}));
}

TEST(Ops, ElementwiseFunctions) {
  const Tensor x = Tensor::from({-2, 0.25f, 4}, {3});
  EXPECT_EQ(px::abs(x).to_vector(), (V{2, 0.25f, 4}));
  EXPECT_EQ(px::clamp(x, -1, 1).to_vector(), (V{-1, 0.25f, 1}));
  EXPECT_EQ(px::sqrt(px::abs(x)).to_vector(), (V{std::sqrt(2.f), 0.5f, 2}));
  EXPECT_FLOAT_EQ(px::log(px::exp(x)).to_vector()[2], 4.f);
  EXPECT_EQ(px::maximum(x, Tensor::scalar(0.f)).to_vector(), (V{0, 0.25f, 4}));
}

TEST(Ops, ConcatAndStack) {
  const Tensor a = Tensor::from({1, 2, 3, 4}, {2, 2});
  const Tensor b = Tensor::from({5, 6}, {2, 1});
  EXPECT_EQ(px::concat({a, b}, 1).to_vector(), (V{1, 2, 5, 3, 4, 6}));
  EXPECT_EQ(px::concat({a, a}, 0).shape(), (px::Shape{4, 2}));
  const Tensor s = px::stack({a, a * 2.f}, 0);
  EXPECT_EQ(s.shape(), (px::Shape{2, 2, 2}));
  EXPECT_EQ(s.at({1, 1, 0}), 6.f);
  EXPECT_EQ(px::stack({a, a}, 2).shape(), (px::Shape{2, 2, 2}));
}

TEST(Ops, IndexRowsGathersABatch) {
  const Tensor x = Tensor::arange(6).reshape({3, 2});
  const int64_t rows[] = {2, 0};
  EXPECT_EQ(px::index_rows(x, rows).to_vector(), (V{4, 5, 0, 1}));
  const int64_t bad[] = {3};
  EXPECT_THROW(px::index_rows(x, bad), px::Error);
}
