// Sample and class weights from the loss to the recipe: a row weighted 2 is the row twice (in the
// losses by name and in a full-batch step of fit), balanced class weights are scikit-learn's, a
// weight column is read, checked and kept out of the features, and the recipe's loss and
// val_loss use the weights.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <plexus/data/dataset.hpp>
#include <plexus/data/loader.hpp>
#include <plexus/data/prepare.hpp>
#include <plexus/loss/loss.hpp>
#include <plexus/loss/registry.hpp>
#include <plexus/nn/linear.hpp>
#include <plexus/nn/sequential.hpp>
#include <plexus/ops.hpp>
#include <plexus/optim/sgd.hpp>
#include <plexus/train/fit.hpp>
#include <plexus/train/recipe.hpp>
#include <plexus/train/weighted_metrics.hpp>
#include <string>
#include <vector>

#include "support/error_of.hpp"

namespace px = plexus;
namespace train = plexus::train;
using px::Tensor;
using px::data::Dataset;
using px::data::PreparedData;
using px::data::Table;
using px::testing::error_of;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace {

// Rows 0..n-1 of `t` with row `twice` repeated at the end.
Tensor with_row_repeated(const Tensor& t, int64_t twice) {
  std::vector<int64_t> rows;
  for (int64_t i = 0; i < t.shape(0); ++i) rows.push_back(i);
  rows.push_back(twice);
  return px::index_rows(t, rows);
}

// A table "x,w,y" of n rows: y is "yes" on every tenth row, w = 1 + (row % 3).
Table weighted_table(size_t n) {
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 0; i < n; ++i)
    rows.push_back({std::to_string(static_cast<double>(i) / 10.0), std::to_string(1 + i % 3),
                    i % 10 == 0 ? "yes" : "no"});
  return Table("w.csv", {"x", "w", "y"}, rows);
}

std::vector<float> parameters_of(px::nn::Module& module) {
  std::vector<float> out;
  for (const Tensor& p : module.parameters())
    for (const float v : p.to_vector()) out.push_back(v);
  return out;
}

}  // namespace

TEST(SampleWeight, EveryLossByNameCountsARowWeightedTwoAsTheRowTwice) {
  const Tensor logits = Tensor::randn({5, 3}, 1);
  const Tensor classes = Tensor::from({0, 2, 1, 2, 0}, {5});
  const Tensor values = Tensor::randn({5, 1}, 2);
  const Tensor probabilities = Tensor::rand({5, 1}, 3, 0.05f, 0.95f);
  const Tensor signs = Tensor::from({1, -1, -1, 1, 1}, {5, 1});
  const Tensor weight = Tensor::from({1, 1, 1, 2, 1}, {5});
  const Tensor class_weight = Tensor::from({0.5f, 2.0f, 1.5f}, {3});
  for (const auto& info : px::loss::registry()) {
    SCOPED_TRACE(info.name);
    Tensor pred = values, target = Tensor::randn({5, 1}, 4);
    if (info.target == px::loss::TargetKind::class_indices) {
      pred = info.name == "nll" ? px::log_softmax(logits, 1) : logits;
      target = classes;
    } else if (info.name == "hinge") {
      target = signs;
    } else if (info.target == px::loss::TargetKind::probabilities) {
      pred = info.name == "binary_cross_entropy" ? probabilities : values;
      target = probabilities;
    }
    const auto weighted = px::loss::weighted_by_name(info.name);
    const float twice =
        px::loss::by_name(info.name)(with_row_repeated(pred, 3), with_row_repeated(target, 3))
            .item();
    EXPECT_NEAR(weighted(pred, target, weight).item(), twice, 1e-5f);
    if (!px::loss::takes_class_weights(info.name)) {
      EXPECT_THAT(error_of([&] { px::loss::weighted_by_name(info.name, class_weight); }),
                  HasSubstr("takes no class weights"));
      continue;
    }
    // With class weights too: PyTorch's weighted mean of the data with the row repeated.
    const Tensor repeated = with_row_repeated(pred, 3);
    const float expected =
        info.name == "nll"
            ? px::loss::nll(repeated, with_row_repeated(target, 3), {.weight = class_weight}).item()
            : px::loss::cross_entropy(repeated, with_row_repeated(target, 3),
                                      {.weight = class_weight})
                  .item();
    EXPECT_NEAR(px::loss::weighted_by_name(info.name, class_weight)(pred, target, weight).item(),
                expected, 1e-5f);
  }
}

TEST(SampleWeight, RowsAllWeightedZeroGiveZeroNotNaN) {
  const Tensor logits = Tensor::randn({3, 4}, 5).requires_grad();
  const Tensor zero = Tensor::zeros({3});
  const Tensor loss =
      px::loss::cross_entropy(logits, Tensor::from({0, 1, 2}, {3}), {.sample_weight = zero});
  EXPECT_EQ(loss.item(), 0.0f);
  loss.backward();
  for (const float g : logits.grad().to_vector()) EXPECT_EQ(g, 0.0f);
  EXPECT_EQ(px::loss::mse(Tensor::ones({3, 1}), Tensor::zeros({3, 1}), zero).item(), 0.0f);
}

TEST(SampleWeight, NegativeOrMisshapenWeightsAreErrors) {
  const Tensor pred = Tensor::zeros({3, 1});
  EXPECT_THAT(error_of([&] {
                px::loss::mse(pred, pred, Tensor::from({1, -1, 1}, {3}));
              }),
              HasSubstr("mse: sample weight -1 at row 1 is not a finite non-negative number"));
  EXPECT_THAT(error_of([&] { px::loss::mse(pred, pred, Tensor::ones({2})); }),
              HasSubstr("must be [3], one per row"));
  EXPECT_THAT(error_of([] {
                Dataset(Tensor::zeros({2, 1}), Tensor::zeros({2}), Tensor::ones({3}));
              }),
              HasSubstr("Dataset: weights [3] must be [2]"));
}

TEST(SampleWeight, TheLoaderCarriesEachBatchsWeightsInItsOrder) {
  const Dataset data(Tensor::from({0, 1, 2, 3, 4}, {5, 1}), Tensor::zeros({5}),
                     Tensor::from({10, 11, 12, 13, 14}, {5}));
  px::data::DataLoader loader(data, {.batch_size = 2, .shuffle = true, .seed = 7});
  for (const px::data::Batch& batch : loader)
    for (int64_t i = 0; i < batch.x.shape(0); ++i)
      EXPECT_EQ(batch.weight.data()[i], batch.x.data()[i] + 10.0f);
  EXPECT_EQ(data.subset(std::vector<int64_t>{4, 1}).weights().to_vector(),
            (std::vector<float>{14, 11}));
}

TEST(SampleWeight, AFullBatchStepWithARowWeightedTwoEqualsTheRowDuplicated) {
  const Tensor x = Tensor::randn({6, 3}, 8);
  for (const std::string loss : {"mse", "cross_entropy"}) {
    SCOPED_TRACE(loss);
    const bool classes = loss == "cross_entropy";
    const Tensor y = classes ? Tensor::from({0, 1, 1, 0, 1, 0}, {6}) : Tensor::randn({6, 1}, 9);
    const int64_t outputs = classes ? 2 : 1;
    px::nn::Linear weighted(3, outputs, true, 4), duplicated(3, outputs, true, 4);
    px::optim::SGD sgd_weighted(weighted.parameters(), {.lr = 0.5});
    px::optim::SGD sgd_duplicated(duplicated.parameters(), {.lr = 0.5});
    const train::FitOptions options{.epochs = 1, .batch_size = 7, .verbose = 0, .shuffle = false};
    const Tensor weight = Tensor::from({1, 1, 2, 1, 1, 1}, {6});
    const auto a = train::fit(weighted, sgd_weighted, loss.c_str(), Dataset(x, y, weight), options);
    const auto b = train::fit(duplicated, sgd_duplicated, loss.c_str(),
                              Dataset(with_row_repeated(x, 2), with_row_repeated(y, 2)), options);
    const std::vector<float> pa = parameters_of(weighted), pb = parameters_of(duplicated);
    ASSERT_EQ(pa.size(), pb.size());
    for (size_t i = 0; i < pa.size(); ++i) EXPECT_NEAR(pa[i], pb[i], 1e-6f) << "parameter " << i;
    EXPECT_NEAR(a.last().loss, b.last().loss, 1e-6);
  }
}

TEST(SampleWeight, ALossWithoutWeightsRefusesThemAndTotalWeightCountsClassWeights) {
  const train::Loss plain([](const Tensor& p, const Tensor& t) { return px::loss::mse(p, t); });
  EXPECT_THAT(error_of([&] {
                plain(Tensor::zeros({2, 1}), Tensor::zeros({2, 1}), Tensor::ones({2}));
              }),
              HasSubstr("takes no sample weights"));
  const Tensor class_weight = Tensor::from({0.5f, 4.0f}, {2});
  const train::Loss weighted(px::loss::weighted_by_name("cross_entropy", class_weight),
                             "cross_entropy", class_weight);
  const Tensor target = Tensor::from({0, 1, 1}, {3});
  EXPECT_DOUBLE_EQ(weighted.total_weight(target, Tensor::from({2, 1, 0}, {3})), 2 * 0.5 + 4.0);
  EXPECT_DOUBLE_EQ(weighted.total_weight(target, Tensor()), 0.5 + 4.0 + 4.0);
  EXPECT_DOUBLE_EQ(plain.total_weight(target, Tensor()), 3.0);
}

TEST(ClassWeights, BalancedIsRowsOverClassesTimesTheClassCount) {
  PreparedData data;
  data.classes = {"no", "yes", "maybe"};
  data.y_train = Tensor::from({0, 0, 0, 0, 0, 0, 1, 1, 2, 0}, {10});
  // scikit-learn's compute_class_weight("balanced"): 10 / (3 * [7, 2, 1])
  const std::vector<double> weights = train::class_weights("balanced", data);
  ASSERT_EQ(weights.size(), 3u);
  EXPECT_DOUBLE_EQ(weights[0], 10.0 / 21.0);
  EXPECT_DOUBLE_EQ(weights[1], 10.0 / 6.0);
  EXPECT_DOUBLE_EQ(weights[2], 10.0 / 3.0);
  EXPECT_THAT(train::class_weights("yes=5, maybe=0.5", data), ElementsAre(1.0, 5.0, 0.5));
  EXPECT_TRUE(train::class_weights("", data).empty());
  EXPECT_THAT(error_of([&] { train::class_weights("nope=2", data); }),
              HasSubstr("unknown class \"nope\"; known: no, yes, maybe"));
  EXPECT_THAT(error_of([&] { train::class_weights("yes=-1", data); }),
              HasSubstr("the weight of yes, \"-1\", is not a finite non-negative number"));
  EXPECT_THAT(error_of([&] { train::class_weights("yes", data); }),
              HasSubstr("is not name=weight"));
  data.y_train = Tensor::from({0, 0, 1}, {3});
  EXPECT_THAT(error_of([&] { train::class_weights("balanced", data); }),
              HasSubstr("class maybe has none"));
  data.task = px::data::Task::regression;
  EXPECT_THAT(error_of([&] { train::class_weights("balanced", data); }),
              HasSubstr("need a classification task"));
}

TEST(WeightColumn, IsReadForEveryPartAndIsNotAFeature) {
  const Table table = weighted_table(60);
  const PreparedData data = px::data::prepare_table(
      table, {.target = "y"},
      {.test_fraction = 0.2, .validation_fraction = 0.25, .seed = 1, .weight_column = "w"});
  EXPECT_THAT(data.features, ElementsAre("x"));
  EXPECT_EQ(data.weight_column, "w");
  ASSERT_TRUE(data.w_train.defined() && data.w_validation.defined() && data.w_test.defined());
  EXPECT_EQ(data.w_train.shape(0), data.x_train.shape(0));
  EXPECT_EQ(data.w_validation.shape(0), data.x_validation.shape(0));
  EXPECT_EQ(data.w_test.shape(0), data.x_test.shape(0));
  for (size_t i = 0; i < data.test_rows.size(); ++i)
    EXPECT_EQ(data.w_test.data()[i], static_cast<float>(1 + data.test_rows[i] % 3));
  // Without the option the column is a feature like any other.
  const PreparedData plain = px::data::prepare_table(table, {.target = "y"});
  EXPECT_THAT(plain.features, ElementsAre("x", "w"));
  EXPECT_FALSE(plain.w_train.defined());
}

TEST(WeightColumn, ABadCellNamesTheFileLineAndColumn) {
  auto prepare = [](std::vector<std::vector<std::string>> rows) {
    px::data::prepare_table(
        Table("w.csv", {"x", "w", "y"}, rows), {.target = "y"},
        {.test_fraction = 0.0, .validation_fraction = 0.0, .weight_column = "w"});
  };
  EXPECT_THAT(error_of([&] {
                prepare({{"1", "1", "a"}, {"2", "heavy", "b"}});
              }),
              HasSubstr("w.csv[1]: column 'w' (1): the weight 'heavy' is not a finite "
                        "non-negative number"));
  EXPECT_THAT(error_of([&] {
                prepare({{"1", "-2", "a"}, {"2", "1", "b"}});
              }),
              HasSubstr("the weight '-2' is not"));
  EXPECT_THAT(error_of([&] {
                prepare({{"1", "", "a"}, {"2", "1", "b"}});
              }),
              HasSubstr("the weight '' is not"));
  EXPECT_THAT(error_of([&] {
                prepare({{"1", "0", "a"}, {"2", "0", "b"}});
              }),
              HasSubstr("every training row has weight 0 in column 'w'"));
  EXPECT_NO_THROW(prepare({{"1", "0", "a"}, {"2", "1", "b"}}));
  EXPECT_THAT(error_of([] {
                px::data::prepare_table(Table("w.csv", {"x", "y"}, {{"1", "a"}, {"2", "b"}}),
                                        {.target = "y"}, {.weight_column = "w"});
              }),
              HasSubstr("w"));
}

TEST(WeightedMetrics, CountEachRowAsOftenAsItsWeight) {
  const Tensor scores = Tensor::from({2, 1, 0, 3, 5, 1, 1, 4}, {4, 2});  // classes 0, 1, 0, 1
  const Tensor targets = Tensor::from({0, 0, 0, 1}, {4});
  EXPECT_DOUBLE_EQ(px::metrics::weighted_accuracy(scores, targets, Tensor::from({1, 3, 0, 2}, {4})),
                   3.0 / 6.0);
  EXPECT_DOUBLE_EQ(px::metrics::weighted_accuracy(scores, targets, Tensor::ones({4})), 0.75);
  const Tensor pred = Tensor::from({1, 2, 3}, {3, 1});
  const Tensor truth = Tensor::from({1, 4, 0}, {3, 1});
  // errors 0, -2, 3 with weights 1, 2, 0: sqrt((0 + 2 * 4) / 3)
  EXPECT_DOUBLE_EQ(px::metrics::weighted_rmse(pred, truth, Tensor::from({1, 2, 0}, {3})),
                   std::sqrt(8.0 / 3.0));
  EXPECT_THAT(error_of([&] { px::metrics::weighted_rmse(pred, truth, Tensor::ones({2})); }),
              HasSubstr("3 predictions, 3 targets and 2 weights differ"));
}

TEST(WeightedRecipe, ValLossIsTheWeightedLossOfTheValidationRows) {
  PreparedData data;
  data.classes = {"a", "b"};
  data.features = {"x0", "x1"};
  data.x_train = Tensor::randn({40, 2}, 11);
  data.y_train = Tensor::empty({40});
  for (int64_t i = 0; i < 40; ++i) data.y_train.data()[i] = i % 4 == 0 ? 1.0f : 0.0f;
  data.w_train = Tensor::rand({40}, 12, 0.5f, 2.0f);
  data.x_validation = Tensor::randn({10, 2}, 13);
  data.y_validation = Tensor::from({0, 1, 0, 0, 1, 0, 0, 0, 1, 0}, {10});
  data.w_validation = Tensor::from({1, 2, 0, 1, 3, 1, 1, 2, 1, 1}, {10});
  const train::TrainedModel trained = train::train_model(
      data,
      train::Recipe{.hidden = {8}, .class_weight = "balanced", .epochs = 2, .early_stopping = 0},
      {.verbose = 0});
  // balanced over the 40 training rows: 40 / (2 * 30) and 40 / (2 * 10)
  EXPECT_THAT(trained.class_weights, ElementsAre(40.0 / 60.0, 40.0 / 20.0));
  Tensor rows = Tensor::empty({10});
  for (int64_t i = 0; i < 10; ++i)
    rows.data()[i] =
        data.w_validation.data()[i] *
        static_cast<float>(trained.class_weights[static_cast<size_t>(data.y_validation.data()[i])]);
  px::nn::Sequential network = trained.network;
  const px::NoGradGuard no_grad;
  const float expected =
      px::loss::cross_entropy(network(data.x_validation), data.y_validation,
                              {.label_smoothing = static_cast<float>(train::kDefaultLabelSmoothing),
                               .sample_weight = rows})
          .item();
  EXPECT_NEAR(trained.history.last().val_loss.value_or(-1), expected, 1e-5);
}
