// io/explain.hpp: integrated gradients are complete (a row's attributions sum to f(x) minus
// f(baseline), checked against forward passes made here) for a classifier, a regressor and an
// ensemble; permutation importance ranks a pure-noise column last and counts a one-hot column
// once; partial dependence follows the column the target is built from; the baseline round-trips
// through the model file.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <plexus/plexus.hpp>
#include <string>
#include <vector>

namespace px = plexus;
using px::Tensor;

namespace {

// a and b matter, colour matters for class "gamma", noise does not; a few a cells are missing so
// that a gets a missing indicator.
px::data::Table rows(size_t n, bool regression, uint64_t seed = 3) {
  const std::vector<std::string> colours = {"red", "green", "blue"};
  std::vector<std::vector<std::string>> cells;
  px::Generator g(seed);
  for (size_t i = 0; i < n; ++i) {
    const float a = g.uniform(-2, 2), b = g.uniform(-2, 2), noise = g.uniform(-2, 2);
    const size_t c = g.below(3);
    const float s = 2.0f * a + b + (c == 2 ? 1.5f : 0.0f);
    const std::string label = regression ? std::to_string(s + g.uniform(-0.1f, 0.1f))
                                         : (s < -0.7f ? "alpha" : (s < 1.2f ? "beta" : "gamma"));
    cells.push_back({i % 17 == 5 ? "" : std::to_string(a), std::to_string(b), colours[c],
                     std::to_string(noise), label});
  }
  return px::data::Table("rows", {"a", "b", "colour", "noise", "y"}, cells);
}

struct Trained {
  px::io::Model model;
  px::data::Table table;
};

Trained trained(bool regression, size_t members = 1) {
  px::data::Table table = rows(400, regression);
  // An ensemble's members validate on folds of the training rows, so it gets no validation rows.
  const auto data = px::data::prepare_table(table, {.target = "y"},
                                            {.validation_fraction = members == 1 ? 0.1 : 0.0});
  const px::train::Recipe recipe{
      .hidden = {32, 16}, .lr = 3e-3, .epochs = 100, .early_stopping = 0};
  // Named after the test: ctest runs tests (and other checkouts theirs) side by side.
  const std::string name = std::string("plexus_explain_") +
                           testing::UnitTest::GetInstance()->current_test_info()->name() +
                           (regression ? "_r" : "_c") + std::to_string(members) + ".plx";
  const auto path = std::filesystem::temp_directory_path() / name;
  if (members == 1) {
    px::io::save_model(px::train::train_model(data, recipe, {.verbose = 0}).network, path,
                       px::train::model_info(data));
  } else {
    px::io::save_model(
        px::train::train_ensemble(data, recipe, {.members = members}, {.verbose = 0}).model.network,
        path, px::train::model_info(data));
  }
  Trained out{px::io::load_model(path), std::move(table)};
  std::filesystem::remove(path);
  return out;
}

Tensor targets(const px::io::Model& model, const px::data::Table& table) {
  return model.targets(px::data::Source{.name = "rows", .table = table, .arrays = {}});
}

// Completeness on the first 100 rows, against forward passes made here.
void expect_complete(px::io::Model& model, const px::data::Table& table) {
  const Tensor inputs = model.preprocess(table).slice_rows(0, 100).clone();
  const auto attributions = px::io::integrated_gradients(model, inputs);
  ASSERT_TRUE(attributions.stored_baseline);
  ASSERT_EQ(attributions.values.size(), 100u);
  const Tensor outputs = model.forward(inputs);
  const Tensor baseline = model.forward(px::io::baseline_inputs(model));
  const int64_t k = outputs.shape(1);
  for (size_t r = 0; r < 100; ++r) {
    const int64_t o = attributions.explained_output[r];
    const double fx = outputs.data()[r * k + o], fb = baseline.data()[o];
    double total = 0;
    for (const double v : attributions.values[r]) total += v;
    EXPECT_LE(std::abs(total - (fx - fb)), 1e-3 * std::max(std::abs(fx - fb), 0.01))
        << "row " << r << ": attributions sum to " << total << ", f(x) - f(b) = " << fx - fb << " ("
        << attributions.steps << " steps)";
  }
}

}  // namespace

TEST(Explain, AttributionsSumToThePredictionMinusTheBaselinesForAClassifier) {
  auto [model, table] = trained(false);
  expect_complete(model, table);
}

TEST(Explain, AttributionsSumToThePredictionMinusTheBaselinesForARegressor) {
  auto [model, table] = trained(true);
  expect_complete(model, table);
}

TEST(Explain, AttributionsSumToThePredictionMinusTheBaselinesForAnEnsemble) {
  auto [model, table] = trained(false, 3);
  expect_complete(model, table);
}

// Per column, the exact rule against the trapezoid rule at a fine resolution.
void expect_exact_agrees_with_trapezoid(px::io::Model& model, const Tensor& inputs) {
  const auto exact = px::io::integrated_gradients(model, inputs);
  EXPECT_EQ(exact.exact_rows, static_cast<size_t>(inputs.shape(0)));
  EXPECT_LT(exact.worst_gap, 1e-5);
  const auto fine = px::io::integrated_gradients(
      model, inputs, {.exact_pieces = false, .steps = 1024, .max_steps = 8192, .tolerance = 1e-6});
  EXPECT_EQ(fine.exact_rows, 0u);
  for (size_t r = 0; r < exact.values.size(); ++r) {
    const double scale = std::max(std::abs(exact.output[r] - exact.baseline_output[r]), 0.01);
    for (size_t c = 0; c < exact.columns.size(); ++c)
      EXPECT_NEAR(exact.values[r][c], fine.values[r][c], 1e-3 * scale)
          << "row " << r << ", column " << exact.columns[c];
  }
}

TEST(Explain, AReluNetworkIsIntegratedExactlyOverItsLinearPieces) {
  auto [model, table] = trained(false);
  expect_exact_agrees_with_trapezoid(model, model.preprocess(table).slice_rows(0, 10).clone());
}

TEST(Explain, LeakyReluBatchNormAndFeatureScaleAreIntegratedExactly) {
  auto [model, table] = trained(false);
  const Tensor inputs = model.preprocess(table);
  const int64_t f = inputs.shape(1);
  px::manual_seed(5);
  px::nn::BatchNorm1d norm(16);
  std::fill(norm.running_var.data(), norm.running_var.data() + 16, 3.0f);
  std::fill(norm.running_mean.data(), norm.running_mean.data() + 16, 0.2f);
  px::nn::FeatureScale scale(f, true);
  std::fill(scale.weight.data(), scale.weight.data() + f, 1.5f);
  model.network = px::nn::Sequential{scale,
                                     px::nn::Linear(f, 16),
                                     norm,
                                     px::nn::LeakyReLU(0.1f),
                                     px::nn::Dropout(0.2f),
                                     px::nn::Linear(16, 3)};
  expect_complete(model, table);
  expect_exact_agrees_with_trapezoid(model, inputs.slice_rows(0, 10).clone());
}

TEST(Explain, ANetworkThatIsNotPiecewiseLinearKeepsTheTrapezoidRule) {
  auto [model, table] = trained(false);
  const int64_t f = model.preprocess(table).shape(1);
  model.network = px::nn::Sequential{px::nn::Linear(f, 16), px::nn::Tanh(), px::nn::Linear(16, 3)};
  expect_complete(model, table);
  const auto a =
      px::io::integrated_gradients(model, model.preprocess(table).slice_rows(0, 5).clone());
  EXPECT_EQ(a.exact_rows, 0u);
}

TEST(Explain, AOneHotColumnAndAMissingIndicatorCountOnce) {
  auto [model, table] = trained(false);
  const auto groups = px::io::input_groups(model);
  ASSERT_EQ(groups.size(), 4u);
  EXPECT_EQ(groups[0].column, "a");
  EXPECT_EQ(groups[0].width, 2);  // the value and its missing indicator
  EXPECT_EQ(groups[2].column, "colour");
  EXPECT_EQ(groups[2].first, 3);
  EXPECT_EQ(groups[2].width, 3);
  const Tensor inputs = model.preprocess(table);
  EXPECT_EQ(groups[3].first + groups[3].width, inputs.shape(1));
  const auto importance = px::io::permutation_importance(model, inputs, targets(model, table));
  EXPECT_EQ(importance.metric, "accuracy");
  EXPECT_EQ(importance.columns.size(), 4u);
  const auto attributions = px::io::integrated_gradients(model, inputs.slice_rows(0, 3).clone());
  EXPECT_EQ(attributions.columns, (std::vector<std::string>{"a", "b", "colour", "noise"}));
}

TEST(Explain, PermutationImportanceRanksAPureNoiseColumnLast) {
  for (const bool regression : {false, true}) {
    auto [model, table] = trained(regression);
    const px::data::Table test = rows(300, regression, 11);
    const auto importance = px::io::permutation_importance(model, model.preprocess(test),
                                                           targets(model, test), {.repeats = 5});
    EXPECT_EQ(importance.metric, regression ? "rmse" : "accuracy");
    ASSERT_EQ(importance.columns.size(), 4u);
    EXPECT_EQ(importance.columns.front().column, "a");
    EXPECT_EQ(importance.columns.back().column, "noise");
    EXPECT_GT(importance.columns.front().importance, 5 * importance.columns.back().importance);
    for (const auto& column : importance.columns) EXPECT_GE(column.std, 0.0);
  }
}

TEST(Explain, PartialDependenceFollowsTheColumnTheTargetGrowsWith) {
  auto [model, table] = trained(true);
  const auto a = px::io::partial_dependence(model, table, "a", {.grid = 8, .ice_rows = 5});
  EXPECT_FALSE(a.categorical);
  EXPECT_EQ(a.output_name, "prediction");
  ASSERT_GE(a.grid.size(), 6u);
  EXPECT_EQ(a.ice.size(), 5u);
  EXPECT_EQ(a.ice[0].size(), a.grid.size());
  // y = 2a + ...: the curve rises by about 2 per unit of a.
  const double slope =
      (a.average.back() - a.average.front()) / (a.grid_values.back() - a.grid_values.front());
  EXPECT_NEAR(slope, 2.0, 0.5);
  const auto colour = px::io::partial_dependence(model, table, "colour");
  EXPECT_TRUE(colour.categorical);
  EXPECT_EQ(colour.grid, (std::vector<std::string>{"blue", "green", "red"}));
  EXPECT_GT(colour.average[0], colour.average[1] + 0.75);  // blue adds 1.5
}

TEST(Explain, TheBaselineIsTheMeanTrainingRowAndOldFilesUseZeros) {
  const auto data = px::data::prepare_table(rows(100, true), {.target = "y"});
  const auto info = px::train::model_info(data);
  ASSERT_EQ(info.baseline.size(), static_cast<size_t>(data.x_train.shape(1)));
  double mean_b = 0;
  for (int64_t r = 0; r < data.x_train.shape(0); ++r)
    mean_b += data.x_train.data()[r * data.x_train.shape(1) + 2];
  EXPECT_NEAR(info.baseline[2], mean_b / static_cast<double>(data.x_train.shape(0)), 1e-5);

  const px::nn::Sequential network = px::train::build_network({.hidden = {4}}, data);
  const auto path = std::filesystem::temp_directory_path() / "plexus_explain_baseline.plx";
  px::io::save_model(network, path, info);
  EXPECT_EQ(px::io::load_model(path).info.baseline, info.baseline);
  auto without = info;
  without.baseline.clear();
  px::io::save_model(network, path, without);
  px::io::Model old = px::io::load_model(path);
  std::filesystem::remove(path);
  EXPECT_TRUE(old.info.baseline.empty());
  const Tensor zeros = px::io::baseline_inputs(old);
  EXPECT_EQ(zeros.shape(1), data.x_train.shape(1));
  EXPECT_EQ(*std::max_element(zeros.data(), zeros.data() + zeros.numel()), 0.0f);
  EXPECT_FALSE(
      px::io::integrated_gradients(old, data.x_test.slice_rows(0, 2).clone()).stored_baseline);
}
