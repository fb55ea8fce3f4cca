// train::Tuner, the search of plexus tune: it repeats bit for bit, its scores never read the test
// rows, successive halving promotes the best of a rung, a resumed search ends as an uninterrupted
// one, a time limit ends it in time; and the pieces: greedy selection, the search space's JSON,
// the configurations drawn.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <plexus/plexus.hpp>
#include <plexus/train/tune.hpp>
#include <string>
#include <vector>

#include "support/error_of.hpp"

namespace px = plexus;
namespace train = plexus::train;
using px::Tensor;
using px::testing::error_of;
using ::testing::HasSubstr;

namespace {

// Two noisy numbers, three classes.
px::data::Table three_classes(size_t n) {
  std::vector<std::vector<std::string>> rows;
  px::Generator g(7);
  for (size_t i = 0; i < n; ++i) {
    const float a = g.uniform(-2, 2), b = g.uniform(-2, 2);
    const float s = a + b + g.uniform(-0.4f, 0.4f);
    rows.push_back({std::to_string(a), std::to_string(b),
                    s < -0.7f ? "alpha" : (s < 0.7f ? "beta" : "gamma")});
  }
  return px::data::Table("rows", {"a", "b", "label"}, rows);
}

// y = a + 2b + noise.
px::data::PreparedData regression_rows(size_t n) {
  std::vector<std::vector<std::string>> rows;
  px::Generator g(11);
  for (size_t i = 0; i < n; ++i) {
    const float a = g.uniform(-2, 2), b = g.uniform(-2, 2);
    rows.push_back(
        {std::to_string(a), std::to_string(b), std::to_string(a + 2 * b + g.uniform(-0.3f, 0.3f))});
  }
  return px::data::prepare_table(px::data::Table("rows", {"a", "b", "y"}, rows),
                                 {.target = "y", .task = px::data::Task::regression},
                                 {.validation_fraction = 0});
}

px::data::PreparedData prepared() {
  return px::data::prepare_table(three_classes(200), {.target = "label"},
                                 {.validation_fraction = 0});
}

train::Recipe small_recipe() {
  return {.hidden = {8}, .batch_size = 32, .epochs = 4, .early_stopping = 0, .seed = 3};
}

train::TuneOptions small_options() {
  train::TuneOptions options;
  options.space.depth = {1, 2};
  options.space.width = {8, 16};
  options.folds = 2;
  options.eta = 2;
  options.rungs = 2;  // 2 configurations per bracket at 2 epochs, the better one at 4
  options.seed = 5;
  return options;
}

std::vector<double> scores_of(const train::TuneResult& result) {
  std::vector<double> scores;
  for (const auto& t : result.trials) scores.push_back(t.score);
  return scores;
}

std::vector<std::vector<float>> weights_of(const px::nn::Sequential& network) {
  std::vector<std::vector<float>> out;
  for (const auto& [name, tensor] : network.state_dict()) out.push_back(tensor.to_vector());
  return out;
}

}  // namespace

TEST(Tune, MaxTrialsRepeatsBitForBit) {
  const auto data = prepared();
  train::TuneOptions options = small_options();
  options.max_trials = 5;
  const train::TuneResult first = train::Tuner(data, small_recipe(), options).run();
  const train::TuneResult second = train::Tuner(data, small_recipe(), options).run();
  ASSERT_EQ(first.trials.size(), 5u);
  EXPECT_EQ(scores_of(first), scores_of(second));
  EXPECT_EQ(weights_of(first.network), weights_of(second.network));
  EXPECT_FALSE(first.members.empty());
  // Trial 1 is the base recipe itself.
  EXPECT_EQ(first.trials[0].recipe.hidden, std::vector<int64_t>{8});
  // The held-out outputs to calibrate on: every training row (2 folds), scored as the search
  // scored the ensemble.
  ASSERT_EQ(first.held_out_outputs.shape(), px::Shape({data.x_train.shape(0), 3}));
  EXPECT_EQ(first.held_out_targets.to_vector(), data.y_train.to_vector());
  EXPECT_EQ(
      px::metrics::evaluate(first.held_out_outputs, first.held_out_targets, data.task).accuracy,
      first.metric);
  // Each classifier trial is scored at the temperature fitted to its out-of-fold logits, and
  // the ensemble's outputs are the mean of its members' logits divided by theirs.
  for (const auto& t : first.trials) {
    EXPECT_NE(t.temperature, 1.0) << t.trial;
    EXPECT_EQ(t.temperature, second.trials[t.trial].temperature);
  }
  std::vector<int64_t> rows(static_cast<size_t>(data.x_train.shape(0)));
  for (size_t r = 0; r < rows.size(); ++r) rows[r] = static_cast<int64_t>(r);
  EXPECT_NEAR(
      train::out_of_fold_score(first.held_out_outputs, first.held_out_targets, rows, data.task),
      first.score, 1e-12);
}

// A table with more numeric columns than the periodic embedding takes: no trial draws it (one
// that did would fail the whole search), even from a space that offers nothing else.
TEST(Tune, ATableTooWideForThePeriodicEmbeddingNeverDrawsIt) {
  const auto columns = static_cast<size_t>(train::kMostEmbeddedInputs) + 1;
  std::vector<std::string> names;
  for (size_t c = 0; c < columns; ++c) names.push_back(std::string("x").append(std::to_string(c)));
  names.push_back("y");
  std::vector<std::vector<std::string>> rows;
  px::Generator g(13);
  for (size_t i = 0; i < 12; ++i) {
    std::vector<std::string> row;
    for (size_t c = 0; c < columns; ++c) row.push_back(std::to_string(g.uniform(-1, 1)));
    row.push_back(std::to_string(g.uniform(-1, 1)));
    rows.push_back(std::move(row));
  }
  const auto data = px::data::prepare_table(px::data::Table("wide", names, rows),
                                            {.target = "y", .task = px::data::Task::regression},
                                            {.validation_fraction = 0});
  ASSERT_EQ(train::embeddable_inputs(data), train::kMostEmbeddedInputs + 1);
  train::TuneOptions options = small_options();
  options.max_trials = 3;
  for (const auto& space :
       {std::vector<std::string>{"none", "periodic"}, std::vector<std::string>{"periodic"}}) {
    options.space.embedding = space;
    const train::TuneResult result = train::Tuner(data, small_recipe(), options).run();
    ASSERT_EQ(result.trials.size(), 3u);
    for (const auto& trial : result.trials) EXPECT_EQ(trial.recipe.embedding, "none");
  }
}

TEST(Tune, ScoresNeverReadTheTestRows) {
  auto data =
      px::data::prepare_table(three_classes(250), {.target = "label"}, {.validation_fraction = 0});
  ASSERT_TRUE(data.has_test());
  train::TuneOptions options = small_options();
  options.max_trials = 4;
  const train::TuneResult clean = train::Tuner(data, small_recipe(), options).run();
  // Every test label changed to another class, and the test inputs scrambled.
  for (size_t i = 0; i < data.y_test.numel(); ++i)
    data.y_test.data()[i] = static_cast<float>((static_cast<int>(data.y_test.data()[i]) + 1) % 3);
  for (size_t i = 0; i < data.x_test.numel(); ++i) data.x_test.data()[i] = 1e6f;
  const train::TuneResult poisoned = train::Tuner(data, small_recipe(), options).run();
  EXPECT_EQ(scores_of(clean), scores_of(poisoned));
  EXPECT_EQ(weights_of(clean.network), weights_of(poisoned.network));
}

TEST(Tune, SuccessiveHalvingPromotesTheBestOfARung) {
  const auto data = prepared();
  train::TuneOptions options = small_options();
  options.eta = 3;
  options.rungs = 2;       // 3 configurations at 1 epoch (4 / 3 rounded), the best one at 4
  options.max_trials = 9;  // the floor, then two brackets
  const train::TuneResult result = train::Tuner(data, small_recipe(), options).run();
  ASSERT_EQ(result.trials.size(), 9u);
  // Trial 1: the base recipe for all its epochs.
  EXPECT_EQ(result.trials[0].configuration, 0u);
  EXPECT_EQ(result.trials[0].rung, 1u);
  EXPECT_EQ(result.trials[0].recipe.epochs, 4);
  for (size_t bracket = 0; bracket < 2; ++bracket) {
    const auto first = result.trials.begin() + static_cast<std::ptrdiff_t>(1 + 4 * bracket);
    const auto best = std::min_element(
        first, first + 3, [](const auto& a, const auto& b) { return a.score < b.score; });
    const train::TrialRecord& promoted = result.trials[1 + 4 * bracket + 3];
    EXPECT_EQ(first->rung, 0u);
    EXPECT_EQ(first->recipe.epochs, 1);
    EXPECT_NE(first->configuration, 0u);
    EXPECT_EQ(promoted.rung, 1u);
    EXPECT_EQ(promoted.recipe.epochs, 4);
    EXPECT_EQ(promoted.configuration, best->configuration) << "bracket " << bracket;
  }
}

TEST(Tune, AResumedSearchEndsAsAnUninterruptedOne) {
  const auto data = prepared();
  const auto dir = std::filesystem::temp_directory_path() / "plexus_tune_test_resume";
  std::filesystem::remove_all(dir);
  train::TuneOptions options = small_options();
  options.max_trials = 6;
  const train::TuneResult whole = train::Tuner(data, small_recipe(), options).run();
  options.checkpoint_dir = dir;
  options.max_trials = 3;
  train::Tuner(data, small_recipe(), options).run();
  options.max_trials = 6;
  options.resume = true;
  size_t resumed = 0;
  options.on_trial = [&](const train::TrialRecord&, bool was_resumed) { resumed += was_resumed; };
  const train::TuneResult continued = train::Tuner(data, small_recipe(), options).run();
  EXPECT_EQ(resumed, 3u);
  EXPECT_EQ(scores_of(whole), scores_of(continued));
  EXPECT_EQ(weights_of(whole.network), weights_of(continued.network));
  // A checkpoint of another search is refused, not mixed in.
  options.seed = 6;
  EXPECT_THAT(error_of([&] { train::Tuner(data, small_recipe(), options).run(); }),
              HasSubstr("another configuration"));
  std::filesystem::remove_all(dir);
}

TEST(Tune, ATimeLimitEndsTheSearchInTimeWithAModel) {
  const auto data = prepared();
  train::TuneOptions options = small_options();
  options.time_limit = 1.0;
  train::Recipe slow = small_recipe();
  slow.epochs = 100000;  // no trial finishes: the cut-off trial's models are the result
  const auto start = std::chrono::steady_clock::now();
  options.start = start;
  train::TuneResult result = train::Tuner(data, slow, options).run();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LE(seconds, 1.05);
  EXPECT_TRUE(result.time_limit_reached);
  EXPECT_TRUE(result.partial);
  EXPECT_TRUE(result.trials.empty());
  const Tensor out = px::io::forward_in_batches(result.network, data.x_test);
  EXPECT_EQ(out.shape(), px::Shape({data.x_test.shape(0), 3}));
}

TEST(Tune, RefitTrainsTheMembersAgainOnEveryTrainingRow) {
  const auto data = regression_rows(160);
  train::TuneOptions options = small_options();
  options.max_trials = 4;
  train::Recipe recipe = small_recipe();
  recipe.early_stopping = 2;
  const train::TuneResult bagged = train::Tuner(data, recipe, options).run();  // the default
  options.fit = train::EnsembleFit::refit;
  const train::TuneResult refit = train::Tuner(data, recipe, options).run();
  const train::TuneResult again = train::Tuner(data, recipe, options).run();
  // The search is the same; after it, every fold model of every member trains again on all the
  // rows, for the epochs its fold kept.
  EXPECT_EQ(scores_of(refit), scores_of(bagged));
  EXPECT_EQ(refit.score, bagged.score);  // out of fold: the fold models' outputs
  EXPECT_EQ(refit.refits, refit.members.size() * refit.folds);
  EXPECT_FALSE(refit.refits_cut_short);
  EXPECT_EQ(bagged.refits, 0u);
  for (const auto& t : refit.trials) {
    ASSERT_EQ(t.best_epochs.size(), refit.folds) << t.trial;
    for (int64_t epoch : t.best_epochs) EXPECT_LT(epoch, t.recipe.epochs) << t.trial;
  }
  EXPECT_EQ(weights_of(refit.network), weights_of(again.network));
  EXPECT_NE(weights_of(refit.network), weights_of(bagged.network));
  // max_refits: the first fold model of the first member refit, the rest as they were.
  options.max_refits = 1;
  const train::TuneResult one = train::Tuner(data, recipe, options).run();
  EXPECT_EQ(one.refits, 1u);
  EXPECT_TRUE(one.refits_cut_short);
  EXPECT_NE(weights_of(one.network), weights_of(refit.network));
  EXPECT_NE(weights_of(one.network), weights_of(bagged.network));
  // A time limit leaves the refits room and ends in time (on a slow machine the limit may cut
  // the first refit short: then the fold models stay, and the result says so).
  options.max_refits.reset();
  options.max_trials = 0;
  options.time_limit = 1.5;
  recipe.epochs = 40;
  const auto start = std::chrono::steady_clock::now();
  options.start = start;
  const train::TuneResult timed = train::Tuner(data, recipe, options).run();
  EXPECT_LE(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 1.6);
  EXPECT_TRUE(timed.time_limit_reached);
  EXPECT_FALSE(timed.partial);
  EXPECT_TRUE(timed.refits > 0 || timed.refits_cut_short);
}

TEST(Tune, GreedySelectionStartsFromTheBestAndMixesWithReplacement) {
  // Two rows of class 0 and 1; candidate 0 is right on row 0 only, 1 on row 1 only, 2 is
  // lukewarm on both: alone 2 is best, mixed 0 and 1 beat it.
  const Tensor targets = Tensor::from({0, 1}, {2});
  const std::vector<Tensor> outputs = {Tensor::from({4, -4, 0, 0}, {2, 2}),
                                       Tensor::from({0, 0, -4, 4}, {2, 2}),
                                       Tensor::from({0.5f, -0.5f, -0.5f, 0.5f}, {2, 2})};
  const std::vector<int64_t> rows = {0, 1};
  const auto task = px::data::Task::classification;
  const auto one = train::select_greedy(outputs, targets, rows, task, 1);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].trial, 2u);
  const auto many = train::select_greedy(outputs, targets, rows, task, 8);
  double mixed = 0;
  for (const auto& m : many) mixed += m.trial != 2 ? static_cast<double>(m.weight) : 0.0;
  EXPECT_GT(mixed, 0);
  EXPECT_NEAR(train::out_of_fold_score(outputs[2], targets, rows, task), std::log1p(std::exp(-1.0)),
              1e-6);
}

TEST(Tune, TheSearchSpaceReadsJsonAndNamesWhatIsWrong) {
  const auto space = train::search_space_from_json(
      R"({"width": [32], "lr": [0.001, 0.01], "schedule": ["coslog4"]})", "space.json");
  EXPECT_EQ(space.width, std::vector<int64_t>{32});
  EXPECT_DOUBLE_EQ(space.lr_max, 0.01);
  EXPECT_EQ(space.depth, train::SearchSpace{}.depth);
  EXPECT_THAT(error_of([] { train::search_space_from_json(R"({"widht": [3]})", "s.json"); }),
              HasSubstr("s.json: unknown key \"widht\""));
  EXPECT_THAT(error_of([] { train::search_space_from_json(R"({"lr": [0.1, 0.01]})", "s.json"); }),
              HasSubstr("\"lr\" must be [low, high]"));
  EXPECT_THAT(
      error_of([] { train::search_space_from_json(R"({"embedding": ["fourier"]})", "s.json"); }),
      HasSubstr("\"fourier\" is not one of"));
  // Every configuration draws from the space; configuration 0 is the base.
  const train::Recipe base = small_recipe();
  EXPECT_EQ(train::sample_recipe(space, base, 1, 0, px::data::Task::regression).lr, base.lr);
  for (size_t i = 1; i < 20; ++i) {
    const auto r = train::sample_recipe(space, base, 1, i, px::data::Task::regression);
    EXPECT_EQ(r.hidden.front(), 32);
    EXPECT_EQ(r.schedule, "coslog4");
    EXPECT_TRUE(r.lr >= 0.001 && r.lr <= 0.01);
    EXPECT_FALSE(r.label_smoothing);  // regression
  }
}

TEST(Tune, AWeightedEnsembleIsTheWeightedMeanWithEachModelOnce) {
  const auto linear = [](uint64_t seed) {
    return px::nn::Sequential{px::nn::Linear(2, 4, true, seed), px::nn::ReLU(),
                              px::nn::Linear(4, 3, true, seed + 1)};
  };
  const std::vector<std::vector<px::nn::Sequential>> models = {{linear(1), linear(3)},
                                                               {linear(5), linear(7)}};
  px::nn::Sequential ensemble = train::weighted_ensemble(models, {{0, 3}, {1, 1}});
  EXPECT_EQ(dynamic_cast<px::nn::Ensemble&>(ensemble[0]).size(), 4u);
  const Tensor x = Tensor::from({0.5f, -1.0f, 2.0f, 0.25f}, {2, 2});
  const auto out = ensemble(x).to_vector();
  std::vector<std::vector<float>> each;
  for (const auto& trial : models)
    for (auto model : trial) each.push_back(model(x).to_vector());
  for (size_t i = 0; i < out.size(); ++i) {
    const double expected =
        0.75 * (each[0][i] + each[1][i]) / 2 + 0.25 * (each[2][i] + each[3][i]) / 2;
    EXPECT_NEAR(out[i], expected, 1e-5) << i;
  }
  // The models are copied, not scaled in place.
  EXPECT_EQ(models[0][0].state_dict()[2].second.to_vector(),
            linear(1).state_dict()[2].second.to_vector());
  // One ending in log_softmax is repeated instead.
  std::vector<std::vector<px::nn::Sequential>> logs = models;
  for (auto& trial : logs)
    for (auto& model : trial) model.push_back(px::nn::make_activation("log_softmax"));
  px::nn::Sequential repeated = train::weighted_ensemble(logs, {{0, 2}, {1, 1}});
  EXPECT_EQ(dynamic_cast<px::nn::Ensemble&>(repeated[0]).size(), 6u);
  // Temperatures divide each trial's outputs (tune's classifiers: each at its fitted one); a
  // network that cannot be scaled through its last layer must keep 1.
  px::nn::Sequential cooled = train::weighted_ensemble(models, {{0, 3}, {1, 1}}, {2.0, 0.5});
  const auto scaled = cooled(x).to_vector();
  for (size_t i = 0; i < scaled.size(); ++i) {
    const double expected =
        0.75 * (each[0][i] + each[1][i]) / 2 / 2.0 + 0.25 * (each[2][i] + each[3][i]) / 2 / 0.5;
    EXPECT_NEAR(scaled[i], expected, 1e-5) << i;
  }
  EXPECT_THAT(error_of([&] {
                train::weighted_ensemble(logs, {{0, 1}}, {2.0, 1.0});
              }),
              HasSubstr("does not end in a Linear layer"));
}
