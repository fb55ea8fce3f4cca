// train::conformal_residuals: split conformal on many validation rows, cross-fitted residuals on
// few (one per training and validation row, each from a network that never saw its fold), and
// intervals from them that cover new rows at about their level.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <plexus/plexus.hpp>
#include <plexus/train/calibration.hpp>
#include <plexus/train/conformal.hpp>
#include <string>
#include <vector>

namespace px = plexus;
using px::Tensor;

namespace {

// y = 2a - b + noise, noise uniform in [-1, 1]: a 90% interval of the noise alone is +-0.9.
void rows(px::Generator& g, int64_t n, Tensor& x, Tensor& y) {
  x = Tensor::empty({n, 2});
  y = Tensor::empty({n, 1});
  for (int64_t i = 0; i < n; ++i) {
    const float a = g.uniform(-2, 2), b = g.uniform(-2, 2);
    x.data()[2 * i] = a;
    x.data()[2 * i + 1] = b;
    y.data()[i] = 2 * a - b + g.uniform(-1, 1);
  }
}

px::data::PreparedData regression(int64_t train, int64_t validation, uint64_t seed) {
  px::Generator g(seed);
  px::data::PreparedData data;
  data.task = px::data::Task::regression;
  data.features = {"a", "b"};
  rows(g, train, data.x_train, data.y_train);
  rows(g, validation, data.x_validation, data.y_validation);
  return data;
}

px::train::Recipe small_recipe() {
  px::train::Recipe recipe;
  recipe.hidden = {16};
  recipe.dropout = 0;
  recipe.epochs = 40;
  recipe.batch_size = 32;
  recipe.lr = 3e-3;
  return recipe;
}

}  // namespace

TEST(Conformal, ManyValidationRowsGiveTheirOwnResiduals) {
  const auto data = regression(300, px::train::kCrossFitBelow, 1);
  const auto recipe = small_recipe();
  auto trained = px::train::train_model(data, recipe, {.verbose = 0});
  const auto fitted = px::train::conformal_residuals(trained, data, recipe, {.verbose = 0});
  EXPECT_EQ(fitted.folds, 0u);
  const auto split =
      px::train::calibrate(px::io::forward_in_batches(trained.network, data.x_validation),
                           data.y_validation, data.task, {});
  EXPECT_EQ(fitted.residuals, split.calibration.residuals);
  EXPECT_NE(fitted.text().find(std::to_string(px::train::kCrossFitBelow) + " held-out residuals"),
            std::string::npos)
      << fitted.text();
}

TEST(Conformal, FewValidationRowsCrossFitEveryLabelledRow) {
  const auto data = regression(270, 30, 2);
  const auto recipe = small_recipe();
  auto trained = px::train::train_model(data, recipe, {.verbose = 0});
  const auto fitted = px::train::conformal_residuals(trained, data, recipe, {.verbose = 0});
  EXPECT_EQ(fitted.folds, px::train::kCrossFitFolds);
  EXPECT_EQ(fitted.epochs, trained.best_epoch + 1);
  ASSERT_EQ(fitted.residuals.size(), 300u);
  EXPECT_TRUE(std::is_sorted(fitted.residuals.begin(), fitted.residuals.end()));
  EXPECT_NE(fitted.text().find("300 cross-fitted residuals (10 folds"), std::string::npos)
      << fitted.text();

  // Intervals from them cover new rows at about 90% (the noise alone needs +-0.9).
  px::io::Calibration calibration;
  calibration.residuals = fitted.residuals;
  px::Generator g(99);
  Tensor x, y;
  rows(g, 4000, x, y);
  const auto scores = px::metrics::evaluate(px::io::forward_in_batches(trained.network, x), y,
                                            px::data::Task::regression, calibration);
  EXPECT_GT(scores.interval_coverage, 0.86);
  EXPECT_LT(scores.interval_coverage, 0.96);
}

TEST(Conformal, ANetworkThatMemorisesItsRowsIsJudgedOnRowsItNeverSaw) {
  const auto data = regression(54, 6, 4);
  auto recipe = small_recipe();
  recipe.hidden = {128, 128};
  recipe.epochs = 300;
  recipe.early_stopping = 0;
  recipe.weight_decay = 0;
  recipe.lr = 1e-2;
  auto trained = px::train::train_model(data, recipe, {.verbose = 0});
  const auto fitted = px::train::conformal_residuals(trained, data, recipe, {.verbose = 0});
  ASSERT_EQ(fitted.residuals.size(), 60u);
  EXPECT_EQ(fitted.epochs, 300u);
  std::vector<double> in_sample;
  const Tensor outputs = px::io::forward_in_batches(trained.network, data.x_train);
  for (int64_t i = 0; i < 54; ++i)
    in_sample.push_back(std::abs(outputs.data()[i] - data.y_train.data()[i]));
  std::sort(in_sample.begin(), in_sample.end());
  // The noise's median |error| is 0.5: rows it fitted 300 epochs sit far below it (about 0.15),
  // held-out ones above it (about 0.65: the noise and the network's own error).
  EXPECT_LT(in_sample[27], 0.3);
  EXPECT_GT(fitted.residuals[30], 0.45);
}

TEST(Conformal, NoValidationRowsNoResiduals) {
  auto data = regression(100, 0, 3);
  data.x_validation = data.y_validation = Tensor();
  const auto recipe = small_recipe();
  auto trained = px::train::train_model(data, recipe, {.verbose = 0});
  EXPECT_TRUE(px::train::conformal_residuals(trained, data, recipe).residuals.empty());
}
