// The library's tabular pipeline: split_rows (shares per stratum, order, seeds, the same rows as
// train_validation_split), prepare_table (nothing fitted on test rows, stratified shares, a test
// table given or held out, no validation), prepare_arrays (8-bit scaling, task inference, unknown
// test labels), and the recipe (the network it builds, training to high accuracy, a regression
// target's scale folded back into the network).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <numeric>
#include <plexus/data/dataset.hpp>
#include <plexus/data/prepare.hpp>
#include <plexus/data/split.hpp>
#include <plexus/loss/loss.hpp>
#include <plexus/train/recipe.hpp>
#include <plexus/train/settings.hpp>
#include <string>
#include <vector>

#include "support/error_of.hpp"

namespace px = plexus;
using px::Tensor;
using px::data::ColumnKind;
using px::data::PreparedData;
using px::data::PrepareOptions;
using px::data::RowSplit;
using px::data::Table;
using px::data::Task;
using px::testing::error_of;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace {

std::vector<size_t> positions(size_t n) {
  std::vector<size_t> rows(n);
  std::iota(rows.begin(), rows.end(), size_t{0});
  return rows;
}

// How many of `targets` (class indices) are each class.
std::map<int, size_t> class_counts(const Tensor& targets) {
  std::map<int, size_t> counts;
  for (const float t : targets.to_vector()) ++counts[static_cast<int>(t)];
  return counts;
}

// x in [-1, 1], colour from a short list, y = 3 + 2x (a regression target: not integers).
Table regression_table(size_t n) {
  const std::vector<std::string> colours = {"red", "green", "blue"};
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 0; i < n; ++i) {
    const double x = -1.0 + 2.0 * static_cast<double>(i) / static_cast<double>(n - 1);
    rows.push_back(
        {std::to_string(x), colours[i % colours.size()], std::to_string(3.0 + 2.0 * x + 0.01)});
  }
  return Table("rows", {"x", "colour", "y"}, rows);
}

// The mean of column `col` over `rows`, parsed from the cells.
double column_mean(const Table& table, const std::vector<size_t>& rows, size_t col) {
  double sum = 0;
  for (const size_t row : rows) sum += std::stod(std::string(table.cell(row, col)));
  return sum / static_cast<double>(rows.size());
}

px::train::FitOptions quiet() {
  px::train::FitOptions options;
  options.verbose = 0;
  return options;
}

}  // namespace

TEST(SplitRows, HoldsOutTheRoundedShareOfEachStratumInOrder) {
  // 10 rows of class 0, 5 of class 1, interleaved; rows are arbitrary positions of a table.
  std::vector<size_t> rows;
  std::vector<int64_t> strata;
  for (size_t i = 0; i < 15; ++i) {
    rows.push_back(100 + 3 * i);
    strata.push_back(i % 3 == 2 ? 1 : 0);
  }
  const RowSplit split = px::data::split_rows(rows, 0.4, 7, strata);
  size_t held_zero = 0, held_one = 0;
  for (const size_t row : split.held_out) ((row - 100) / 3 % 3 == 2 ? held_one : held_zero) += 1;
  EXPECT_EQ(held_zero, 4u);  // 0.4 * 10
  EXPECT_EQ(held_one, 2u);   // 0.4 * 5
  EXPECT_EQ(split.kept.size() + split.held_out.size(), rows.size());
  EXPECT_TRUE(std::is_sorted(split.kept.begin(), split.kept.end()));
  EXPECT_TRUE(std::is_sorted(split.held_out.begin(), split.held_out.end()));
  std::vector<size_t> both = split.kept;
  both.insert(both.end(), split.held_out.begin(), split.held_out.end());
  std::sort(both.begin(), both.end());
  EXPECT_EQ(both, rows);

  // Without strata: round(f * n) of all rows; nothing held out at 0.
  EXPECT_EQ(px::data::split_rows(rows, 0.5, 7).held_out.size(), 8u);  // round(7.5)
  EXPECT_TRUE(px::data::split_rows(rows, 0.0, 7).held_out.empty());
  EXPECT_THAT(error_of([&] { px::data::split_rows(rows, 1.0, 7); }),
              HasSubstr("must lie in [0, 1)"));
}

TEST(SplitRows, ReproducibleFromTheSeedAndDifferentAcrossSeeds) {
  const std::vector<size_t> rows = positions(200);
  const RowSplit first = px::data::split_rows(rows, 0.25, 42);
  EXPECT_EQ(px::data::split_rows(rows, 0.25, 42).held_out, first.held_out);
  EXPECT_NE(px::data::split_rows(rows, 0.25, 43).held_out, first.held_out);
  EXPECT_EQ(first.held_out.size(), 50u);
}

TEST(SplitRows, SameRowsAsTrainValidationSplit) {
  const size_t n = 40;
  Tensor features = Tensor::empty({static_cast<int64_t>(n), 1});
  Tensor classes = Tensor::empty({static_cast<int64_t>(n)});
  std::vector<int64_t> strata;
  for (size_t i = 0; i < n; ++i) {
    features.data()[i] = static_cast<float>(i);  // each sample carries its row
    strata.push_back(i % 4 == 0 ? 1 : 0);
    classes.data()[i] = static_cast<float>(strata.back());
  }
  const px::data::Dataset dataset(features, classes);
  for (const bool stratify : {false, true}) {
    for (const uint64_t seed : {0u, 5u}) {
      const auto [train, validation] =
          px::data::train_validation_split(dataset, 0.2, seed, stratify);
      const RowSplit rows =
          px::data::split_rows(positions(n), 0.2, seed, stratify ? strata : std::vector<int64_t>{});
      std::vector<size_t> validation_rows, train_rows;
      for (const float v : validation.features().to_vector())
        validation_rows.push_back(static_cast<size_t>(v));
      for (const float v : train.features().to_vector())
        train_rows.push_back(static_cast<size_t>(v));
      EXPECT_EQ(validation_rows, rows.held_out) << "stratify " << stratify << " seed " << seed;
      EXPECT_EQ(train_rows, rows.kept) << "stratify " << stratify << " seed " << seed;
    }
  }
}

TEST(PrepareTable, FitsNumericColumnsOnTheTrainingRowsOnly) {
  const Table table = regression_table(50);
  const PrepareOptions options{.test_fraction = 0.2, .validation_fraction = 0.25, .seed = 3};
  const PreparedData data = px::data::prepare_table(
      table, {.target = "y", .scaling = px::data::Scaling::standard}, options);
  ASSERT_EQ(data.task, Task::regression);
  ASSERT_TRUE(data.test_held_out);
  EXPECT_FALSE(data.stratified);
  // The documented seeds: the test split from `seed`, the validation split from `seed + 1`.
  const RowSplit test = px::data::split_rows(positions(50), 0.2, 3);
  EXPECT_EQ(data.test_rows, test.held_out);
  const RowSplit validation = px::data::split_rows(test.kept, 0.25, 4);
  ASSERT_TRUE(data.preprocessing);
  const auto& x = data.preprocessing->columns()[0];
  EXPECT_EQ(x.kind, ColumnKind::numeric);
  EXPECT_NEAR(x.mean, column_mean(table, validation.kept, 0), 1e-12);
  EXPECT_GT(std::fabs(x.mean - column_mean(table, positions(50), 0)), 1e-6);
  EXPECT_EQ(data.x_train.shape(0), static_cast<int64_t>(validation.kept.size()));
  EXPECT_EQ(data.x_validation.shape(0), static_cast<int64_t>(validation.held_out.size()));
  EXPECT_EQ(data.x_test.shape(0), 10);
  EXPECT_THAT(data.features, ElementsAre("x", "colour"));
}

TEST(PrepareTable, CategorySeenOnlyInHeldOutTestRowsIsNotFitted) {
  // Put a category in one row that the test split holds out (the target is a regression one,
  // so the split is the plain one of split_rows with the seed).
  const Table plain = regression_table(30);
  const size_t test_row = px::data::split_rows(positions(30), 0.2, 11).held_out.front();
  std::vector<std::vector<std::string>> rows;
  for (size_t r = 0; r < plain.rows(); ++r) {
    std::vector<std::string> cells;
    for (size_t c = 0; c < plain.cols(); ++c) cells.emplace_back(plain.cell(r, c));
    if (r == test_row) cells[1] = "purple";
    rows.push_back(cells);
  }
  const Table table("rows", plain.columns(), rows);
  const PreparedData data =
      px::data::prepare_table(table, {.target = "y"}, {.validation_fraction = 0, .seed = 11});
  ASSERT_TRUE(std::count(data.test_rows.begin(), data.test_rows.end(), test_row));
  EXPECT_THAT(data.preprocessing->columns()[1].categories, ElementsAre("blue", "green", "red"));
  ASSERT_EQ(data.warnings.size(), 1u);
  EXPECT_THAT(data.warnings[0], HasSubstr("category 'purple' was not in the training data"));
}

TEST(PrepareTable, TestTableGivenIsTheTestSetAndNeverFitted) {
  const Table table = regression_table(20);
  // Integer targets in the test table would be classes if the task were inferred there.
  const Table test("test rows", {"x", "colour", "y"},
                   {{"5", "purple", "1"}, {"-5", "red", "0"}, {"0", "blue", "1"}});
  const PreparedData data = px::data::prepare_table(table, {.target = "y"},
                                                    {.validation_fraction = 0.1, .seed = 1}, &test);
  EXPECT_EQ(data.task, Task::regression);
  EXPECT_FALSE(data.test_held_out);
  EXPECT_THAT(data.test_rows, ElementsAre(0u, 1u, 2u));
  EXPECT_EQ(data.x_test.shape(0), 3);
  EXPECT_EQ(data.x_train.shape(0) + data.x_validation.shape(0), 20);  // all rows train
  EXPECT_EQ(data.x_validation.shape(0), 2);
  EXPECT_THAT(data.preprocessing->columns()[1].categories, ElementsAre("blue", "green", "red"));
  ASSERT_EQ(data.warnings.size(), 1u);
  EXPECT_THAT(data.warnings[0], HasSubstr("test rows[0]: column 'colour' (1): category 'purple'"));
}

TEST(PrepareTable, StratifiedSplitKeepsClassProportions) {
  // 30 rows of "a" then 10 of "b": every part keeps the 3:1 ratio.
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 0; i < 40; ++i) rows.push_back({std::to_string(i), i < 30 ? "a" : "b"});
  const Table table("rows", {"x", "label"}, rows);
  const PreparedData data = px::data::prepare_table(
      table, {}, {.test_fraction = 0.2, .validation_fraction = 0.25, .seed = 9});
  ASSERT_EQ(data.task, Task::classification);
  EXPECT_TRUE(data.stratified);
  EXPECT_THAT(data.classes, ElementsAre("a", "b"));
  EXPECT_EQ(class_counts(data.y_test), (std::map<int, size_t>{{0, 6}, {1, 2}}));
  EXPECT_EQ(class_counts(data.y_validation), (std::map<int, size_t>{{0, 6}, {1, 2}}));
  EXPECT_EQ(class_counts(data.y_train), (std::map<int, size_t>{{0, 18}, {1, 6}}));
}

// A row without a target can be neither learned from nor scored: left out, with one warning per
// file naming the lines; the split and its strata are of the labelled rows alone.
TEST(PrepareTable, RowsWithoutATargetAreLeftOutWithAWarning) {
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 0; i < 40; ++i)
    rows.push_back({std::to_string(i), i % 10 == 3 ? (i == 13 ? "NA" : "") : i < 30 ? "a" : "b"});
  const Table table("rows", {"x", "label"}, rows);
  const PreparedData data = px::data::prepare_table(
      table, {}, {.test_fraction = 0.25, .validation_fraction = 0, .seed = 9});
  EXPECT_THAT(data.warnings,
              ElementsAre("rows: 4 of 40 rows have no value in the target column 'label' (line 4, "
                          "14, 24, 34): left out"));
  EXPECT_THAT(data.classes, ElementsAre("a", "b"));
  // 27 a and 9 b: a quarter of each stratum is held out.
  EXPECT_EQ(class_counts(data.y_test), (std::map<int, size_t>{{0, 7}, {1, 2}}));
  EXPECT_EQ(class_counts(data.y_train), (std::map<int, size_t>{{0, 20}, {1, 7}}));
  for (const size_t row : data.test_rows) EXPECT_NE(row % 10, 3u) << row;

  const Table test("test rows", {"x", "label"}, {{"1", "a"}, {"2", "?"}, {"3", "b"}});
  const PreparedData given = px::data::prepare_table(table, {}, {}, &test);
  EXPECT_THAT(given.test_rows, ElementsAre(0u, 2u));
  ASSERT_EQ(given.warnings.size(), 2u);
  EXPECT_EQ(given.warnings[1],
            "test rows: 1 of 3 rows have no value in the target column 'label' (line 2): left out");

  // The test file's target is found by the training target's name, wherever it stands.
  const Table reordered("test rows", {"label", "x"}, {{"a", ""}, {"", "2"}});
  EXPECT_THAT(px::data::prepare_table(table, {}, {}, &reordered).test_rows, ElementsAre(0u));

  const Table unlabelled("rows", {"x", "y"}, {{"1", ""}, {"2", "NA"}});
  EXPECT_THAT(error_of([&] { px::data::prepare_table(unlabelled, {}, {}); }),
              HasSubstr("rows: no row has a value in the target column 'y'"));
}

TEST(PrepareTable, ValidationFractionZeroGivesNoValidation) {
  const Table table = regression_table(20);
  const PreparedData data = px::data::prepare_table(
      table, {.target = "y"}, {.test_fraction = 0.25, .validation_fraction = 0});
  EXPECT_FALSE(data.has_validation());
  EXPECT_FALSE(data.x_validation.defined());
  EXPECT_EQ(data.x_train.shape(0), 15);
  EXPECT_EQ(data.x_test.shape(0), 5);
}

TEST(PrepareArrays, ScalesEightBitValuesAndInfersTheTask) {
  px::data::Arrays bytes{.name = "bytes.npy",
                         .features = Tensor::from({0, 255, 51, 102, 204, 0, 255, 255}, {4, 2}),
                         .labels = Tensor::from({0, 1, 0, 1}, {4})};
  const PreparedData data =
      px::data::prepare_arrays(bytes, std::nullopt, {.test_fraction = 0, .validation_fraction = 0});
  EXPECT_FLOAT_EQ(data.scale, 1.0f / 255.0f);
  EXPECT_EQ(data.task, Task::classification);
  EXPECT_THAT(data.classes, ElementsAre("0", "1"));
  EXPECT_THAT(data.features, ElementsAre("x0", "x1"));
  const std::vector<float> x = data.x_train.to_vector();
  ASSERT_EQ(x.size(), 8u);
  EXPECT_FLOAT_EQ(x[1], 1.0f);
  EXPECT_FLOAT_EQ(x[2], 0.2f);

  // Values that are not 8-bit integers stay as they are.
  px::data::Arrays values = bytes;
  values.features = Tensor::from({0, 0.5f, 1, 2, 3, 4, 5, 300}, {4, 2});
  EXPECT_FLOAT_EQ(px::data::prepare_arrays(values, std::nullopt, {.test_fraction = 0}).scale, 1.0f);

  // Twenty distinct integer labels are classes; twenty-one are values.
  for (const size_t distinct : {20u, 21u}) {
    px::data::Arrays many{
        .name = "many.npy", .features = Tensor::zeros({42, 1}), .labels = Tensor::empty({42})};
    for (size_t i = 0; i < 42; ++i) many.labels.data()[i] = static_cast<float>(i % distinct);
    const PreparedData prepared = px::data::prepare_arrays(many, std::nullopt);
    EXPECT_EQ(prepared.task, distinct == 20 ? Task::classification : Task::regression) << distinct;
  }
  // Integer labels that are not all whole numbers are values.
  px::data::Arrays halves = bytes;
  halves.labels = Tensor::from({0, 0.5f, 1, 1.5f}, {4});
  EXPECT_EQ(px::data::prepare_arrays(halves, std::nullopt).task, Task::regression);
}

TEST(PrepareArrays, TestLabelTheTrainingDataLacksIsAnError) {
  const px::data::Arrays train{.name = "train.npy",
                               .features = Tensor::from({1, 2, 3, 4}, {4, 1}),
                               .labels = Tensor::from({0, 1, 0, 1}, {4})};
  const px::data::Arrays test{.name = "test.npy",
                              .features = Tensor::from({1, 2}, {2, 1}),
                              .labels = Tensor::from({1, 7}, {2})};
  const std::string error = error_of(
      [&] { px::data::prepare_arrays(train, std::nullopt, {.validation_fraction = 0}, &test); });
  EXPECT_THAT(error, HasSubstr("test.npy: label 7 is a class the training data lacks"));
  EXPECT_THAT(error, HasSubstr("(classes: 0, 1)"));
}

TEST(Recipe, BuildsTheNetworkTheRecipeDescribes) {
  const px::train::Recipe recipe{.hidden = {8, 4}, .dropout = 0.5, .batch_norm = true};
  px::nn::Sequential network = px::train::build_network(recipe, 3, 2);
  EXPECT_EQ(network.size(), 9u);  // 2 x (Linear, BatchNorm1d, activation, Dropout), Linear
  network.eval();
  EXPECT_EQ(network(Tensor::zeros({5, 3})).shape(), (px::Shape{5, 2}));
  EXPECT_EQ(px::train::parameter_count(network),
            (3 * 8 + 8) + 2 * 8 + (8 * 4 + 4) + 2 * 4 + (4 * 2 + 2));

  std::vector<std::vector<std::string>> rows;
  for (size_t i = 0; i < 10; ++i) rows.push_back({std::to_string(i), i % 3 ? "a" : "b"});
  const PreparedData data =
      px::data::prepare_table(Table("rows", {"x", "label"}, rows), {}, {.test_fraction = 0});
  const px::train::Recipe nll{.hidden = {4}, .loss = "nll"};
  EXPECT_EQ(px::train::build_network(nll, data).size(), 5u);  // log_softmax after the last layer
  const px::io::ModelInfo info = px::train::model_info(data);
  EXPECT_EQ(info.task, "classification");
  EXPECT_THAT(info.classes, ElementsAre("a", "b"));
  EXPECT_THAT(info.features, ElementsAre("x"));
  ASSERT_TRUE(info.input.target);
  EXPECT_EQ(info.input.target->column, "label");
}

TEST(Recipe, TrainsASeparableTableToHighAccuracy) {
  // Two numeric columns; the class is which side of the line x0 + x1 = 0 a row lies on, with a
  // margin of no rows around the line.
  std::vector<std::vector<std::string>> rows;
  const Tensor points = Tensor::rand({300, 2}, 21, -1.0f, 1.0f);
  for (size_t i = 0; i < 300; ++i) {
    const float a = points.data()[2 * i], b = points.data()[2 * i + 1];
    if (std::fabs(a + b) < 0.2f) continue;
    rows.push_back({std::to_string(a), std::to_string(b), a + b > 0 ? "above" : "below"});
  }
  const PreparedData data =
      px::data::prepare_table(Table("rows", {"x0", "x1", "side"}, rows), {}, {.seed = 4});
  const px::train::Recipe recipe{.hidden = {16},
                                 .dropout = 0,
                                 .lr = 1e-2,
                                 .batch_size = 16,
                                 .epochs = 40,
                                 .early_stopping = 0,
                                 .seed = 4};
  px::train::TrainedModel trained = px::train::train_model(data, recipe, quiet());
  EXPECT_EQ(trained.history.epochs(), 40u);
  const Tensor logits = trained.network(data.x_test);
  const std::vector<float> out = logits.to_vector(), y = data.y_test.to_vector();
  size_t correct = 0;
  for (size_t i = 0; i < y.size(); ++i)
    correct += static_cast<float>(out[2 * i + 1] > out[2 * i]) == y[i];
  EXPECT_GE(static_cast<double>(correct) / static_cast<double>(y.size()), 0.95);
}

TEST(Recipe, RegressionPredictionsAreInTheTargetsUnits) {
  // y = 1000 + 500 x: far from a standardised target, so an unfolded network would be far off.
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 0; i < 100; ++i) {
    const double x = -1.0 + 0.02 * static_cast<double>(i) + 0.001;
    rows.push_back({std::to_string(x), std::to_string(1000.0 + 500.0 * x)});
  }
  // Standard scaling keeps y linear in the input; robust scaling's smooth clip would bend it.
  const PreparedData data = px::data::prepare_table(
      Table("rows", {"x", "y"}, rows), {.scaling = px::data::Scaling::standard}, {.seed = 2});
  ASSERT_EQ(data.task, Task::regression);
  const px::train::Recipe recipe{
      .hidden = {}, .lr = 5e-2, .weight_decay = 0, .batch_size = 16, .epochs = 60, .seed = 2};
  px::train::TrainedModel trained = px::train::train_model(data, recipe, quiet());
  const std::vector<float> predicted = trained.network(data.x_test).to_vector();
  const std::vector<float> y = data.y_test.to_vector();
  ASSERT_EQ(predicted.size(), y.size());
  for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(predicted[i], y[i], 2.0) << i;
}

TEST(Recipe, LabelSmoothingReachesTheLossAndNeedsCrossEntropy) {
  std::vector<std::vector<std::string>> rows;
  const Tensor points = Tensor::rand({60, 2}, 5, -1.0f, 1.0f);
  for (size_t i = 0; i < 60; ++i) {
    const float a = points.data()[2 * i], b = points.data()[2 * i + 1];
    rows.push_back({std::to_string(a), std::to_string(b), a > b ? "yes" : "no"});
  }
  const PreparedData data =
      px::data::prepare_table(Table("rows", {"x0", "x1", "y"}, rows), {}, {.seed = 3});
  ASSERT_TRUE(data.has_validation());
  // A learning rate too small to move a weight: the validation loss is the initial network's.
  px::train::Recipe recipe{.hidden = {4},
                           .dropout = 0,
                           .label_smoothing = 0.2,
                           .lr = 1e-30,
                           .batch_size = 64,
                           .epochs = 1,
                           .seed = 3};
  const px::train::TrainedModel trained = px::train::train_model(data, recipe, quiet());
  px::nn::Sequential initial = px::train::build_network(recipe, data);
  initial.eval();
  const Tensor logits = initial(data.x_validation);
  const double smoothed =
      px::loss::cross_entropy(logits, data.y_validation, {.label_smoothing = 0.2f}).item();
  const double plain = px::loss::cross_entropy(logits, data.y_validation).item();
  EXPECT_NEAR(trained.history.series("val_loss")[0], smoothed, 1e-6);
  EXPECT_GT(std::fabs(smoothed - plain), 1e-3);
  recipe.loss = "nll";
  EXPECT_THROW(px::train::train_model(data, recipe, quiet()), px::Error);
}

TEST(CheckTrainable, RefusesOneClassAndALossThatDoesNotFitTheTask) {
  const Table one_class("one.csv", {"x", "label"}, {{"1", "a"}, {"2", "a"}, {"3", "a"}});
  const PreparedData single = px::data::prepare_table(one_class, {.target = "label"}, {});
  EXPECT_THAT(error_of([&] { px::train::check_trainable({}, single, "one.csv"); }),
              HasSubstr("one.csv: the target has one class only (a)"));

  const Table two("two.csv", {"x", "y"}, {{"1", "0.5"}, {"2", "1.5"}, {"3", "2.5"}, {"4", "3"}});
  const PreparedData regression =
      px::data::prepare_table(two, {.target = "y", .task = Task::regression}, {});
  px::train::Recipe recipe;
  EXPECT_NO_THROW(px::train::check_trainable(recipe, regression, "two.csv"));
  recipe.loss = "cross_entropy";
  try {
    px::train::check_trainable(recipe, regression, "two.csv");
    ADD_FAILURE() << "cross_entropy on a regression task was accepted";
  } catch (const px::train::SettingsError& e) {  // a usage error: the command exits 2
    EXPECT_THAT(e.what(),
                HasSubstr("--loss cross_entropy does not fit a regression task; use mse"));
  }
}
