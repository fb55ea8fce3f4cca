// The diagnostics callback sees what the primer warns of: gradients that vanish through a deep
// sigmoid network, saturated sigmoid units, dead ReLUs — and nothing of the sort in a healthy net.
#include <gtest/gtest.h>

#include <plexus/plexus.hpp>

namespace px = plexus;

namespace {

px::data::Dataset regression_data() {
  px::Tensor x = px::Tensor::randn({128, 8}, 1);
  px::Tensor y = px::Tensor::randn({128, 1}, 2);
  return {x, y};
}

std::vector<px::train::LayerDiagnostics> run(px::nn::Sequential& model) {
  px::optim::SGD sgd(model.parameters(), {.lr = 0.01});
  const px::data::Dataset data = regression_data();
  px::train::DiagnosticsCallback diagnostics({.probe = data.features()});
  px::train::fit(model, sgd, "mse", data,
                 {.epochs = 2, .batch_size = 32, .callbacks = {diagnostics}, .verbose = 0});
  EXPECT_EQ(diagnostics.epochs().size(), 2u);
  return diagnostics.epochs().back();
}

}  // namespace

TEST(Diagnostics, GradientsVanishThroughTenSigmoidLayers) {
  px::manual_seed(0);
  px::nn::Sequential model;
  for (int i = 0; i < 10; ++i) {
    model.push_back(px::nn::Linear(8, 8));
    model.push_back(px::nn::Sigmoid());
  }
  model.push_back(px::nn::Linear(8, 1));
  const auto layers = run(model);
  ASSERT_EQ(layers.size(), 21u);
  ASSERT_TRUE(layers.front().grad_norm && layers.back().grad_norm);
  EXPECT_FALSE(layers[1].grad_norm);  // a Sigmoid has no parameters
  EXPECT_LT(*layers.front().grad_norm, 1e-3 * *layers.back().grad_norm);
  EXPECT_TRUE(layers[1].saturated.has_value());
  EXPECT_NE(px::train::DiagnosticsCallback::table(layers).find("0: Linear(8 -> 8)"),
            std::string::npos);
}

TEST(Diagnostics, SaturatedSigmoidsAndDeadReluAreCounted) {
  px::manual_seed(0);
  px::nn::Sequential model{px::nn::Linear(8, 16), px::nn::Sigmoid(), px::nn::Linear(16, 16),
                           px::nn::ReLU(), px::nn::Linear(16, 1)};
  {
    px::NoGradGuard no_grad;
    auto& first = model.at<px::nn::Linear>(0);
    for (size_t i = 0; i < first.weight.numel(); ++i) first.weight.data()[i] *= 100.0f;
    auto& second = model.at<px::nn::Linear>(2);
    for (int64_t u = 0; u < 8; ++u) second.bias.data()[u] = -1e4f;  // half the units never fire
  }
  const auto layers = run(model);
  EXPECT_GT(*layers[1].saturated, 0.9);
  EXPECT_GE(*layers[3].dead, 0.5);
  EXPECT_LT(*layers[3].dead, 1.0);
}

TEST(Diagnostics, AHealthyReluNetworkKeepsItsGradientsAndUnits) {
  px::manual_seed(0);
  px::nn::Sequential model{px::nn::Linear(8, 64), px::nn::ReLU(), px::nn::Linear(64, 64),
                           px::nn::ReLU(), px::nn::Linear(64, 1)};
  const auto layers = run(model);
  EXPECT_GT(*layers[0].grad_norm, 1e-2 * *layers[4].grad_norm);
  EXPECT_LT(*layers[1].dead, 0.2);
  EXPECT_GT(layers[1].std, 0.0);
}
