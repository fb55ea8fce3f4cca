// Quantile regression: the pinball loss against hand values, the sort op and nn::Sort, the levels
// of --quantiles, a model file that keeps them, and a trained quantile model whose outputs never
// cross and whose 0.1-0.9 pair covers about 80% of held-out rows of heteroscedastic data.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <plexus/plexus.hpp>
#include <plexus/train/settings.hpp>
#include <vector>

#include "support/error_of.hpp"

namespace px = plexus;
namespace loss = plexus::loss;
using px::Tensor;
using px::testing::error_of;
using ::testing::HasSubstr;

TEST(Pinball, MatchesHandValues) {
  // Row 0 (target 1): errors u = 1, 0, -1 -> 0.1 * 1, 0, (0.9 - 1) * -1 = 0.1, 0, 0.1.
  // Row 1 (target 0): u = -2 at every level -> 1.8, 1.0, 0.2.
  const Tensor pred = Tensor::from({0, 1, 2, 2, 2, 2}, {2, 3}).requires_grad();
  const Tensor target = Tensor::from({1, 0}, {2});
  const Tensor levels = Tensor::from({0.1f, 0.5f, 0.9f}, {3});
  const Tensor none = loss::pinball(pred, target, levels, loss::Reduction::none);
  const std::vector<float> expected = {0.1f, 0.0f, 0.1f, 1.8f, 1.0f, 0.2f};
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(none.data()[i], expected[i], 1e-6);
  const Tensor mean = loss::pinball(pred, target, levels);
  EXPECT_NEAR(mean.item(), 3.2 / 6, 1e-6);
  mean.backward();
  // d/dpred = -tau where u > 0 (and at the kink u = 0), 1 - tau where u < 0; over 6 elements.
  const std::vector<float> grad = {-0.1f, -0.5f, 0.1f, 0.9f, 0.5f, 0.1f};
  for (size_t i = 0; i < grad.size(); ++i) EXPECT_NEAR(pred.grad().data()[i], grad[i] / 6, 1e-6);
  // Row 0 weighted 3, row 1 weighted 1: (3 * 0.2 + 3.0) / (3 * 4).
  EXPECT_NEAR(loss::pinball(pred, target, levels, Tensor::from({3, 1}, {2})).item(), 3.6 / 12,
              1e-6);
}

TEST(Pinball, RejectsBadShapesAndLevels) {
  const Tensor pred = Tensor::zeros({4, 2});
  EXPECT_THAT(error_of([&] {
                (void)loss::pinball(pred, Tensor::zeros({3}), Tensor::from({0.1f, 0.9f}, {2}));
              }),
              HasSubstr("pinball: target [3] must be [4] or [4, 1]"));
  EXPECT_THAT(
      error_of([&] { (void)loss::pinball(pred, Tensor::zeros({4}), Tensor::from({0.5f}, {1})); }),
      HasSubstr("pinball: levels [1] must be [2]"));
  EXPECT_THAT(error_of([&] {
                (void)loss::pinball(pred, Tensor::zeros({4}), Tensor::from({0.5f, 1.0f}, {2}));
              }),
              HasSubstr("pinball: level 1 is not in (0, 1)"));
}

TEST(Pinball, RegistryTakesEvenlySpacedLevelsAndWeightedPinballTheGivenOnes) {
  const Tensor pred = Tensor::from({0, 0, 0, 0, 0, 0}, {2, 3});
  const Tensor target = Tensor::from({1, -1}, {2});
  // Levels 0.25, 0.5, 0.75: row 0 gives 0.25 + 0.5 + 0.75, row 1 0.75 + 0.5 + 0.25; mean 0.5.
  EXPECT_NEAR(loss::by_name("pinball")(pred, target).item(), 0.5, 1e-6);
  // Levels 0.1, 0.2, 0.3: row 0 gives 0.6, row 1 0.9 + 0.8 + 0.7 = 2.4; mean 0.5.
  EXPECT_NEAR(loss::weighted_pinball({0.1f, 0.2f, 0.3f})(pred, target, Tensor()).item(), 3.0 / 6,
              1e-6);
}

TEST(SortOp, SortsEachRowAndSendsTheGradientBackThroughThePermutation) {
  const Tensor x = Tensor::from({3, 1, 2, -1, 5, 5}, {2, 3}).requires_grad();
  const Tensor y = px::sort(x);
  const std::vector<float> sorted = {1, 2, 3, -1, 5, 5};
  for (size_t i = 0; i < sorted.size(); ++i) EXPECT_EQ(y.data()[i], sorted[i]);
  y.backward(Tensor::from({10, 20, 30, 40, 50, 60}, {2, 3}));
  // Row 0: 1 came from column 1, 2 from column 2, 3 from column 0. Row 1's tie keeps its order.
  const std::vector<float> grad = {30, 10, 20, 40, 50, 60};
  for (size_t i = 0; i < grad.size(); ++i) EXPECT_EQ(x.grad().data()[i], grad[i]);
  EXPECT_THAT(error_of([] { (void)px::sort(Tensor::scalar(1)); }), HasSubstr("sort: a scalar"));
}

TEST(SortLayer, IsTorchSortAndRoundTripsThroughTheRegistry) {
  px::nn::Sort sort;
  EXPECT_EQ(sort.name(), "Sort()");
  EXPECT_EQ(sort.type(), "Sort");
  EXPECT_TRUE(sort.parameters().empty());
  const Tensor y = sort(Tensor::from({0.9f, -2, 0.1f}, {1, 3}));
  EXPECT_EQ(y.data()[0], -2);
  EXPECT_EQ(y.data()[2], 0.9f);
  EXPECT_EQ(px::nn::make_layer(sort.spec())->type(), "Sort");
}

TEST(QuantileLevels, ParsesIncreasingLevelsAndNamesTheFlagOnABadOne) {
  EXPECT_EQ(px::train::quantile_levels("0.05, 0.5,0.95"), (std::vector<double>{0.05, 0.5, 0.95}));
  EXPECT_TRUE(px::train::quantile_levels("").empty());
  EXPECT_THAT(error_of([] { (void)px::train::quantile_levels("0.5,0.2"); }),
              HasSubstr("--quantiles: 0.2 does not come after 0.5"));
  EXPECT_THAT(error_of([] { (void)px::train::quantile_levels("0.5,0.5"); }),
              HasSubstr("--quantiles: 0.5 does not come after 0.5"));
  EXPECT_THAT(error_of([] { (void)px::train::quantile_levels("0"); }),
              HasSubstr("--quantiles: \"0\" is not a level in (0, 1)"));
  EXPECT_THAT(error_of([] { (void)px::train::quantile_levels("0.1,1"); }),
              HasSubstr("--quantiles: \"1\" is not a level in (0, 1)"));
  EXPECT_THAT(error_of([] { (void)px::train::quantile_levels("0.1,half"); }),
              HasSubstr("--quantiles: \"half\" is not a level in (0, 1)"));
}

namespace {

// y = x0 + (0.1 + |x0|) e with e standard normal and a second input of noise: the quantiles of
// y given x0 are x0 + (0.1 + |x0|) z_tau, their spread growing with |x0|.
px::data::Arrays heteroscedastic(int64_t rows, uint64_t seed) {
  const Tensor x = Tensor::rand({rows, 2}, seed, -1.0f, 1.0f);
  const Tensor e = Tensor::randn({rows}, seed + 1);
  Tensor y = Tensor::empty({rows});
  for (int64_t i = 0; i < rows; ++i) {
    const float x0 = x.data()[2 * i];
    y.data()[i] = x0 + (0.1f + std::abs(x0)) * e.data()[i];
  }
  return {.name = "heteroscedastic", .features = x, .labels = y};
}

}  // namespace

TEST(QuantileModel, NeverCrossesAndItsOuterPairCoversItsShareOfHeldOutRows) {
  const px::data::PreparedData data =
      px::data::prepare_arrays(heteroscedastic(5000, 7), px::data::Task::regression,
                               {.test_fraction = 0.3, .validation_fraction = 0.15, .seed = 1});
  px::train::Recipe recipe{.hidden = {64, 64}, .dropout = 0.0, .quantiles = {0.1, 0.5, 0.9}};
  recipe.epochs = 60;
  recipe.lr = 3e-3;
  px::train::TrainedModel trained = px::train::train_model(data, recipe);
  ASSERT_EQ(trained.network[trained.network.size() - 1].type(), "Sort");

  // 1,000 rows, a fifth of them far outside the training range (|x| up to 1000).
  Tensor probe = Tensor::rand({1000, 2}, 11, -1.0f, 1.0f);
  for (int64_t i = 0; i < 200; ++i)
    for (int64_t j = 0; j < 2; ++j) probe.data()[2 * i + j] *= static_cast<float>(10 + 5 * i);
  const Tensor q = px::io::forward_in_batches(trained.network, probe);
  ASSERT_EQ(q.shape(), (px::Shape{1000, 3}));
  for (int64_t i = 0; i < 1000; ++i) {
    EXPECT_LE(q.data()[3 * i], q.data()[3 * i + 1]) << "row " << i;
    EXPECT_LE(q.data()[3 * i + 1], q.data()[3 * i + 2]) << "row " << i;
  }

  const Tensor test = px::io::forward_in_batches(trained.network, data.x_test);
  const px::metrics::Scores scores =
      px::metrics::evaluate(test, data.y_test, px::data::Task::regression, {}, recipe.quantiles);
  EXPECT_NEAR(scores.quantile_coverage, 0.8, 0.05) << "1500 test rows";
  EXPECT_GT(scores.pinball, 0.0);
  // var(x0) = 1/3 against a noise variance E[(0.1 + |x0|)^2] = 0.443: R2 of the true median 0.43.
  EXPECT_GT(scores.r2, 0.35) << "the median quantile predicts x0";
}

TEST(QuantileModel, ItsFileKeepsTheLevelsAndRefusesConformalIntervals) {
  px::nn::Sequential network;
  network.push_back(px::nn::Linear(2, 3, true, 5));
  network.push_back(px::nn::Sort());
  px::io::ModelInfo info;
  info.task = "regression";
  info.quantiles = {0.05, 0.5, 0.95};
  const auto path = std::filesystem::temp_directory_path() / "plexus_quantile_test.plx";
  px::io::save_model(network, path, info);
  px::io::Model model = px::io::load_model(path);
  std::filesystem::remove(path);
  EXPECT_EQ(model.info.quantiles, info.quantiles);
  EXPECT_TRUE(model.quantile_regressor());
  EXPECT_EQ(px::io::quantile_column(0.05), "q0.05");
  const Tensor out = model.forward(Tensor::randn({50, 2}, 3));
  for (int64_t i = 0; i < 50; ++i) EXPECT_LE(out.data()[3 * i], out.data()[3 * i + 2]);
  EXPECT_THAT(error_of([&] { (void)model.intervals(out, 0.9); }),
              HasSubstr("the model gives the quantiles 0.05,0.5,0.95 of the target"));
  info.task = "classification";
  EXPECT_THAT(error_of([&] { px::io::save_model(network, path, info); }),
              HasSubstr("quantiles need a regression task"));
}
