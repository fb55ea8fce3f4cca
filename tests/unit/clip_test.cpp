// Gradient clipping and gradient norms against hand-computed values.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <plexus/optim.hpp>
#include <plexus/plexus.hpp>

namespace px = plexus;
using plexus::Tensor;
using V = std::vector<float>;

namespace {

// Two parameters whose gradients are (3, 4) and (12): the global 2-norm is sqrt(9 + 16 + 144) = 13.
struct TwoGrads {
  Tensor a = Tensor::zeros({2}).requires_grad();
  Tensor b = Tensor::zeros({1}).requires_grad();
  TwoGrads() {
    a.set_grad(Tensor::from({3, 4}, {2}));
    b.set_grad(Tensor::from({12}, {1}));
  }
  std::vector<Tensor> params() const { return {a, b}; }
};

}  // namespace

TEST(ClipGradNorm, ScalesAllGradientsTogetherToMaxNorm) {
  const TwoGrads g;
  EXPECT_DOUBLE_EQ(px::clip_grad_norm(g.params(), 6.5), 13.0);
  const float scale = static_cast<float>(6.5 / (13.0 + 1e-6));  // PyTorch's 1e-6
  EXPECT_EQ(g.a.grad().to_vector(), (V{3 * scale, 4 * scale}));
  EXPECT_EQ(g.b.grad().to_vector(), (V{12 * scale}));
  EXPECT_NEAR(px::clip_grad_norm(g.params(), 100.0), 6.5, 1e-5);
}

TEST(ClipGradNorm, LeavesGradientsBelowMaxNormUntouched) {
  const TwoGrads g;
  EXPECT_DOUBLE_EQ(px::clip_grad_norm(g.params(), 13.0), 13.0);  // 13 / (13 + 1e-6) < 1: clipped
  const TwoGrads h;
  EXPECT_DOUBLE_EQ(px::clip_grad_norm(h.params(), 13.1), 13.0);
  EXPECT_EQ(h.a.grad().to_vector(), (V{3, 4}));
  EXPECT_EQ(h.b.grad().to_vector(), (V{12}));
}

// inf: max |g| = 12;  1: 3 + 4 + 12 = 19;  3: (27 + 64 + 1728)^(1/3) = 1819^(1/3).
TEST(ClipGradNorm, OtherNormTypes) {
  const double inf = std::numeric_limits<double>::infinity();
  const TwoGrads g;
  EXPECT_DOUBLE_EQ(px::clip_grad_norm(g.params(), 6.0, inf), 12.0);
  EXPECT_NEAR(g.b.grad().item(), 6.0f, 1e-5f);
  EXPECT_DOUBLE_EQ(px::clip_grad_norm(TwoGrads().params(), 100.0, 1.0), 19.0);
  EXPECT_NEAR(px::clip_grad_norm(TwoGrads().params(), 100.0, 3.0), std::cbrt(1819.0), 1e-12);
  EXPECT_THROW(px::clip_grad_norm(g.params(), 1.0, 0.0), px::Error);
  EXPECT_THROW(px::clip_grad_norm(g.params(), -1.0), px::Error);
}

TEST(ClipGradNorm, SkipsParametersWithoutGradients) {
  const TwoGrads g;
  const Tensor none = Tensor::zeros({3}).requires_grad();
  EXPECT_DOUBLE_EQ(px::clip_grad_norm({g.a, none, g.b}, 100.0), 13.0);
  EXPECT_FALSE(none.grad().defined());
  EXPECT_EQ(px::clip_grad_norm({none}, 1.0), 0.0);
}

// A NaN or Inf gradient gives a non-finite norm, which the caller can report; the gradients are
// left alone rather than all turned into NaN.
TEST(ClipGradNorm, NonFiniteNormIsReturnedAndNothingIsScaled) {
  const TwoGrads g;
  g.a.grad().data()[1] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_TRUE(std::isnan(px::clip_grad_norm(g.params(), 1.0)));
  EXPECT_EQ(g.b.grad().to_vector(), (V{12}));
  EXPECT_TRUE(
      std::isnan(px::clip_grad_norm(g.params(), 1.0, std::numeric_limits<double>::infinity())));
  const TwoGrads h;
  h.b.grad().data()[0] = std::numeric_limits<float>::infinity();
  EXPECT_TRUE(std::isinf(px::clip_grad_norm(h.params(), 1.0)));
  EXPECT_EQ(h.a.grad().to_vector(), (V{3, 4}));
}

TEST(ClipGradValue, ClampsEachElement) {
  const Tensor p = Tensor::zeros({5}).requires_grad();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  p.set_grad(Tensor::from({-3.0f, -0.5f, 0.0f, 2.5f, nan}, {5}));
  px::clip_grad_value({p}, 1.0);
  const V g = p.grad().to_vector();
  EXPECT_EQ(V(g.begin(), g.begin() + 4), (V{-1.0f, -0.5f, 0.0f, 1.0f}));
  EXPECT_TRUE(std::isnan(g[4]));
  EXPECT_THROW(px::clip_grad_value({p}, -1.0), px::Error);
}

TEST(GradNorms, OneNormPerNamedParameterWithAGradient) {
  const TwoGrads g;
  const Tensor none = Tensor::zeros({3}).requires_grad();
  const std::vector<px::GradNorm> norms =
      px::grad_norms({{"0.weight", g.a}, {"0.bias", none}, {"2.weight", g.b}});
  ASSERT_EQ(norms.size(), 2u);
  EXPECT_EQ(norms[0].name, "0.weight");
  EXPECT_DOUBLE_EQ(norms[0].norm, 5.0);
  EXPECT_EQ(norms[1].name, "2.weight");
  EXPECT_DOUBLE_EQ(norms[1].norm, 12.0);
  EXPECT_DOUBLE_EQ(px::grad_norms({{"a", g.a}}, 1.0)[0].norm, 7.0);
}

// The diagnostic on a real network: a deep sigmoid stack's first layer gets a far smaller gradient
// than its last (vanishing gradients), measured layer by layer.
TEST(GradNorms, ShowVanishingGradientsInADeepSigmoidStack) {
  std::vector<std::pair<std::string, Tensor>> weights;
  for (size_t layer = 0; layer < 8; ++layer)
    weights.emplace_back("layer" + std::to_string(layer),
                         Tensor::randn({16, 16}, 100 + layer, 0.0f, 0.25f).requires_grad());
  Tensor h = Tensor::randn({32, 16}, 99);
  for (const auto& [name, w] : weights) h = px::sigmoid(px::matmul(h, w));
  px::mean(px::square(h)).backward();
  const std::vector<px::GradNorm> norms = px::grad_norms(weights);
  ASSERT_EQ(norms.size(), 8u);
  EXPECT_LT(norms.front().norm, 1e-3 * norms.back().norm);
}
