// Ensembles: the nn::Ensemble module (the mean of its members, PyTorch's state_dict names, the
// registry round trip, a model file), the folds (balanced, stratified, seeded) and
// train::train_ensemble (one member is train_model itself; K members saved in one file whose
// predictions are the mean of the members', computed here apart from the module).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <plexus/plexus.hpp>
#include <string>
#include <vector>

#include "support/error_of.hpp"

namespace px = plexus;
namespace nn = plexus::nn;
using px::Tensor;
using px::testing::error_of;
using ::testing::HasSubstr;

namespace {

Tensor ramp(int64_t rows, int64_t cols) {
  Tensor t = Tensor::empty({rows, cols});
  for (size_t i = 0; i < t.numel(); ++i) t.data()[i] = 0.3f * static_cast<float>(i % 11) - 1.4f;
  return t;
}

nn::Sequential member(uint64_t seed) {
  return nn::Sequential{nn::Linear(4, 6, true, seed), nn::ReLU(), nn::Linear(6, 3, true, seed + 1)};
}

// Two noisy numbers, three classes; a colour that matters.
px::data::Table three_classes(size_t n) {
  const std::vector<std::string> colours = {"red", "green", "blue"};
  std::vector<std::vector<std::string>> rows;
  px::Generator g(3);
  for (size_t i = 0; i < n; ++i) {
    const float a = g.uniform(-2, 2), b = g.uniform(-2, 2);
    const size_t c = g.below(3);
    const float s = a + b + (c == 2 ? 1.5f : 0.0f) + g.uniform(-0.3f, 0.3f);
    rows.push_back({std::to_string(a), std::to_string(b), colours[c],
                    s < -0.7f ? "alpha" : (s < 1.2f ? "beta" : "gamma")});
  }
  return px::data::Table("rows", {"a", "b", "colour", "label"}, rows);
}

}  // namespace

TEST(Ensemble, ForwardIsTheMeanOfItsMembers) {
  nn::Ensemble ensemble({member(1), member(5), member(9)});
  ensemble.eval();
  const Tensor x = ramp(5, 4);
  const Tensor y = ensemble(x);
  std::vector<std::vector<float>> outputs;
  for (size_t m = 0; m < 3; ++m) outputs.push_back(ensemble.member(m)(x).to_vector());
  ASSERT_EQ(y.shape(), px::Shape({5, 3}));
  const std::vector<float> mean = y.to_vector();
  for (size_t i = 0; i < mean.size(); ++i)
    EXPECT_NEAR(mean[i], (outputs[0][i] + outputs[1][i] + outputs[2][i]) / 3.0f, 1e-6f) << i;
  EXPECT_NE(outputs[0], outputs[1]);  // the members differ, so the mean is not any one of them
  EXPECT_EQ(ensemble.in_features(), 4);
  EXPECT_EQ(ensemble.out_features(), 3);
  EXPECT_EQ(ensemble.name(), "Ensemble(3 x " + member(1).name() + ")");
}

TEST(Ensemble, StateDictNamesArePyTorchsModuleList) {
  nn::Sequential network{nn::Ensemble({member(1), member(2)})};
  std::vector<std::string> names;
  for (const auto& [name, tensor] : network.state_dict()) names.push_back(name);
  EXPECT_THAT(names, ::testing::ElementsAre("0.members.0.0.weight", "0.members.0.0.bias",
                                            "0.members.0.2.weight", "0.members.0.2.bias",
                                            "0.members.1.0.weight", "0.members.1.0.bias",
                                            "0.members.1.2.weight", "0.members.1.2.bias"));
}

TEST(Ensemble, RoundTripsThroughTheRegistryAndAModelFile) {
  nn::Sequential network{nn::Ensemble({member(1), member(2), member(3)})};
  network.eval();
  nn::Sequential copy = nn::build(nn::describe(network));
  copy.load_state_dict(network.state_dict());
  copy.eval();
  const Tensor x = ramp(4, 4);
  EXPECT_EQ(copy(x).to_vector(), network(x).to_vector());

  const auto path = std::filesystem::temp_directory_path() / "plexus_ensemble_test.plx";
  px::io::ModelInfo info;
  info.classes = {"a", "b", "c"};
  px::io::save_model(network, path, info);
  px::io::Model model = px::io::load_model(path);
  std::filesystem::remove(path);
  EXPECT_EQ(model.forward(x).to_vector(), network(x).to_vector());
  EXPECT_THAT(px::io::model_json(model, "m.plx"), HasSubstr("\"type\":\"Ensemble\""));
}

TEST(Ensemble, RefusesMembersThatAreNotSequentialOrDisagree) {
  EXPECT_THAT(error_of([] {
                nn::make_layer({"Ensemble", {}, {{"ReLU", {}, {}}}});
              }),
              HasSubstr("member 0 is a ReLU, not a Sequential"));
  nn::Ensemble mixed({member(1), nn::Sequential{nn::Linear(4, 2)}});
  EXPECT_THAT(error_of([&] { mixed(ramp(2, 4)); }), HasSubstr("member 1 gives [2, 2]"));
  nn::Ensemble empty;
  EXPECT_THAT(error_of([&] { empty(ramp(2, 4)); }), HasSubstr("has no members"));
}

TEST(EnsembleFolds, AreBalancedStratifiedAndSeeded) {
  // 30 rows of class 0, 12 of class 1, 3 of class 2.
  Tensor y = Tensor::empty({45});
  std::vector<int64_t> classes;
  for (int64_t i = 0; i < 45; ++i) {
    y.data()[i] = i < 30 ? 0.0f : (i < 42 ? 1.0f : 2.0f);
    classes.push_back(static_cast<int64_t>(y.data()[i]));
  }
  const auto folds = px::data::fold_rows(45, 3, 7, classes);
  std::map<size_t, size_t> sizes;
  std::map<std::pair<size_t, int>, size_t> per_class;
  for (size_t r = 0; r < folds.size(); ++r) {
    ++sizes[folds[r]];
    ++per_class[{folds[r], static_cast<int>(y.data()[r])}];
  }
  EXPECT_EQ(sizes, (std::map<size_t, size_t>{{0, 15}, {1, 15}, {2, 15}}));
  for (size_t f = 0; f < 3; ++f) {
    EXPECT_EQ((per_class[{f, 0}]), 10u);
    EXPECT_EQ((per_class[{f, 1}]), 4u);
    EXPECT_EQ((per_class[{f, 2}]), 1u);
  }
  EXPECT_EQ(folds, px::data::fold_rows(45, 3, 7, classes));
  EXPECT_NE(folds, px::data::fold_rows(45, 3, 8, classes));
}

TEST(TrainEnsemble, OneMemberIsTrainModelItself) {
  const auto data = px::data::prepare_table(three_classes(200), {.target = "label"});
  const px::train::Recipe recipe{.hidden = {8}, .epochs = 5, .seed = 3};
  const auto one = px::train::train_ensemble(data, recipe, {.members = 1}, {.verbose = 0});
  const auto plain = px::train::train_model(data, recipe, {.verbose = 0});
  const auto a = one.model.network.state_dict(), b = plain.network.state_dict();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].first, b[i].first);
    EXPECT_EQ(a[i].second.to_vector(), b[i].second.to_vector()) << a[i].first;
  }
}

TEST(TrainEnsemble, SavesKMembersWhoseMeanThePredictionsAre) {
  const auto data = px::data::prepare_table(three_classes(300), {.target = "label"},
                                            {.validation_fraction = 0.0});
  const px::train::Recipe recipe{.hidden = {16}, .lr = 1e-2, .epochs = 60, .seed = 1};
  std::vector<size_t> started;
  const auto trained = px::train::train_ensemble(
      data, recipe,
      {.members = 3, .on_member = [&](size_t m, size_t, bool) { started.push_back(m); }},
      {.verbose = 0});
  EXPECT_EQ(started, (std::vector<size_t>{0, 1, 2}));
  ASSERT_EQ(trained.members.size(), 3u);
  // Each member validated on a third of the rows and trained on the rest.
  for (const auto& m : trained.members) EXPECT_EQ(m.training_rows, 160u);
  EXPECT_GT(trained.validation.accuracy, 0.8);

  const auto path = std::filesystem::temp_directory_path() / "plexus_train_ensemble_test.plx";
  px::io::save_model(trained.model.network, path, px::train::model_info(data));
  px::io::Model model = px::io::load_model(path);
  std::filesystem::remove(path);
  const Tensor proba = model.predict_proba(data.x_test);
  // The mean of the members' logits, each member run alone, then its softmax.
  std::vector<std::vector<float>> logits;
  for (const auto& m : trained.members) {
    nn::Sequential alone = m.network;
    logits.push_back(px::io::forward_in_batches(alone, data.x_test).to_vector());
  }
  const auto rows = static_cast<size_t>(data.x_test.shape(0));
  const std::vector<float> p = proba.to_vector();
  for (size_t r = 0; r < rows; ++r) {
    double mean[3], total = 0;
    for (size_t c = 0; c < 3; ++c) {
      mean[c] = (logits[0][r * 3 + c] + logits[1][r * 3 + c] + logits[2][r * 3 + c]) / 3.0;
      total += std::exp(mean[c]);
    }
    for (size_t c = 0; c < 3; ++c) EXPECT_NEAR(p[r * 3 + c], std::exp(mean[c]) / total, 1e-5);
  }
  const auto scores = px::metrics::evaluate(model.forward(data.x_test), data.y_test,
                                            px::data::Task::classification);
  EXPECT_GT(scores.accuracy, 0.8);
}

TEST(TrainEnsemble, RefitTrainsEveryMemberOnEveryRow) {
  const auto data = px::data::prepare_table(three_classes(150), {.target = "label"},
                                            {.validation_fraction = 0.0});
  const px::train::Recipe recipe{.hidden = {8}, .epochs = 6, .seed = 2};
  size_t refits = 0;
  const auto trained =
      px::train::train_ensemble(data, recipe,
                                {.members = 2,
                                 .fit = px::train::EnsembleFit::refit,
                                 .on_member = [&](size_t, size_t, bool refit) { refits += refit; }},
                                {.verbose = 0});
  EXPECT_EQ(refits, 2u);
  for (const auto& m : trained.members) {
    EXPECT_EQ(m.training_rows, static_cast<size_t>(data.x_train.shape(0)));
    EXPECT_FALSE(m.early_stopping);
  }
}

TEST(TrainEnsemble, ARegressorRefitsUnlessToldAndAClassifierBags) {
  EXPECT_EQ(px::train::default_ensemble_fit(px::data::Task::regression),
            px::train::EnsembleFit::refit);
  EXPECT_EQ(px::train::default_ensemble_fit(px::data::Task::classification),
            px::train::EnsembleFit::bagging);
  std::vector<std::vector<std::string>> rows;
  px::Generator g(7);
  for (size_t i = 0; i < 120; ++i) {
    const float a = g.uniform(-2, 2);
    rows.push_back({std::to_string(a), std::to_string(3 * a + g.uniform(-0.1f, 0.1f))});
  }
  const auto regression = px::data::prepare_table(
      px::data::Table("rows", {"a", "y"}, rows),
      {.target = "y", .task = px::data::Task::regression}, {.validation_fraction = 0.0});
  const auto classes = px::data::prepare_table(three_classes(120), {.target = "label"},
                                               {.validation_fraction = 0.0});
  const px::train::Recipe recipe{.hidden = {8}, .epochs = 4, .seed = 3};
  const auto refits_of = [&](const px::data::PreparedData& data,
                             std::optional<px::train::EnsembleFit> fit) {
    size_t refits = 0;
    const auto trained = px::train::train_ensemble(
        data, recipe,
        {.members = 3,
         .fit = fit,
         .on_member = [&](size_t, size_t, bool refit) { refits += refit; }},
        {.verbose = 0});
    // A refit member's last run trained on every row; a bagged one's on the folds but its own.
    for (const auto& m : trained.members)
      EXPECT_EQ(m.training_rows == static_cast<size_t>(data.x_train.shape(0)), refits > 0);
    return refits;
  };
  EXPECT_EQ(refits_of(regression, std::nullopt), 3u);
  EXPECT_EQ(refits_of(classes, std::nullopt), 0u);
  EXPECT_EQ(refits_of(regression, px::train::EnsembleFit::bagging), 0u);  // told wins
}

TEST(TrainEnsemble, SaysWhatItCannotDo) {
  const auto with_validation = px::data::prepare_table(three_classes(100), {.target = "label"});
  EXPECT_THAT(error_of([&] {
                px::train::train_ensemble(with_validation, {}, {.members = 2}, {.verbose = 0});
              }),
              HasSubstr("validation_fraction 0"));
  const auto tiny = px::data::prepare_table(three_classes(8), {.target = "label"},
                                            {.test_fraction = 0.25, .validation_fraction = 0.0});
  EXPECT_THAT(
      error_of([&] { px::train::train_ensemble(tiny, {}, {.members = 5}, {.verbose = 0}); }),
      HasSubstr("too few for 5 members"));
}

TEST(TrainEnsemble, ARegressorAveragesTheMembersInTheTargetsUnits) {
  std::vector<std::vector<std::string>> rows;
  px::Generator g(5);
  for (size_t i = 0; i < 200; ++i) {
    const float a = g.uniform(-2, 2), b = g.uniform(-2, 2);
    rows.push_back({std::to_string(a), std::to_string(b), std::to_string(500 + 40 * a - 30 * b)});
  }
  const auto data = px::data::prepare_table(px::data::Table("rows", {"a", "b", "y"}, rows),
                                            {.target = "y", .task = px::data::Task::regression},
                                            {.validation_fraction = 0.0});
  const auto trained = px::train::train_ensemble(
      data, {.hidden = {16}, .lr = 1e-2, .epochs = 40, .seed = 4}, {.members = 2}, {.verbose = 0});
  nn::Sequential network = trained.model.network;
  const std::vector<float> mean = px::io::forward_in_batches(network, data.x_test).to_vector();
  nn::Sequential first = trained.members[0].network, second = trained.members[1].network;
  const std::vector<float> a = px::io::forward_in_batches(first, data.x_test).to_vector();
  const std::vector<float> b = px::io::forward_in_batches(second, data.x_test).to_vector();
  for (size_t i = 0; i < mean.size(); ++i) EXPECT_NEAR(mean[i], (a[i] + b[i]) / 2, 1e-3) << i;
  EXPECT_GT(trained.validation.r2, 0.9);  // the members learnt the target, in its units
}

TEST(Ensemble, ExportsRefuseAnEnsembleInsideAMember) {
  nn::Sequential inner{nn::Ensemble({member(1)})};
  px::io::Model model;
  model.network = nn::Sequential{nn::Ensemble({inner})};
  model.info.classes = {"a", "b", "c"};
  model.info.features = {"w", "x", "y", "z"};
  EXPECT_THAT(
      error_of([&] { px::io::export_c(model, std::filesystem::temp_directory_path(), "m"); }),
      HasSubstr("an Ensemble inside an Ensemble's member has no export"));
}
