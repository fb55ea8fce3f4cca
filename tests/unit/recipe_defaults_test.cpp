// The defaults plexus train takes from the task: a regression table's recipe, which a chosen
// key (a flag, --config, a checkpoint) always overrides; classification and arrays keep theirs.
#include "plexus/train/recipe_defaults.hpp"

#include <gtest/gtest.h>

#include "plexus/train/settings.hpp"

namespace px = plexus;
namespace train = plexus::train;

namespace {

train::TrainSettings table(const std::string& task) {
  train::TrainSettings s;
  s.data = "houses.csv";
  s.task = task;
  return s;
}

}  // namespace

TEST(RecipeDefaults, AGivenRegressionTaskGetsTheRegressionRecipe) {
  train::TrainSettings s = table("regression");
  train::resolve_defaults(s, {"task"});
  EXPECT_EQ(s.embedding, "periodic");
  EXPECT_EQ(s.feature_scale, true);
  EXPECT_EQ(s.dropout, 0.0);
  EXPECT_EQ(s.batch_size, 32);
  EXPECT_DOUBLE_EQ(s.lr, 0.003);
  EXPECT_EQ(s.weight_decay, 0.001);
  // The rest stays the table's.
  EXPECT_EQ(s.hidden, (std::vector<int64_t>{256, 128}));
  EXPECT_EQ(s.schedule, "none");
  EXPECT_EQ(s.early_stopping, 10);
  EXPECT_NO_THROW(train::validate(s));
  EXPECT_EQ(train::default_recipe_name(s, px::data::Task::regression), "regression");
}

TEST(RecipeDefaults, AChosenKeyKeepsItsValueEvenWhenItIsTheTablesDefault) {
  train::TrainSettings s = table("regression");
  s.lr = 0.01;
  s.weight_decay = 0.0;  // --weight-decay 0
  train::resolve_defaults(s, {"task", "lr", "dropout", "weight_decay"});
  EXPECT_DOUBLE_EQ(s.lr, 0.01);
  EXPECT_EQ(s.dropout, 0.1);  // chosen as --dropout 0.1, the table's default
  EXPECT_EQ(s.weight_decay, 0.0);
  EXPECT_EQ(s.batch_size, 32);
  EXPECT_EQ(s.embedding, "periodic");
  EXPECT_EQ(train::task_defaults_text(s, {"task", "lr", "dropout", "weight_decay"},
                                      px::data::Task::regression),
            "--embedding periodic --feature-scale --batch-size 32");
}

TEST(RecipeDefaults, ClassificationAndArraysKeepTheirDefaults) {
  for (const std::string task : {"", "classification"}) {
    train::TrainSettings s = table(task);
    train::resolve_defaults(s, {});
    EXPECT_EQ(s.embedding, "none") << task;
    EXPECT_FALSE(s.feature_scale.value_or(false)) << task;
    EXPECT_EQ(s.dropout, 0.1) << task;
    EXPECT_EQ(s.batch_size, 128) << task;
    EXPECT_DOUBLE_EQ(s.lr, 1e-3) << task;
    EXPECT_EQ(s.weight_decay, train::kTabularWeightDecay) << task;
  }
  EXPECT_EQ(train::task_defaults_text(table(""), {}, px::data::Task::classification), "");
  // Arrays were not measured with it: a .npy regression keeps the settings' own defaults.
  train::TrainSettings arrays = table("regression");
  arrays.data = "x.npy";
  train::resolve_defaults(arrays, {"task"});
  EXPECT_EQ(arrays.embedding, "none");
  EXPECT_EQ(arrays.batch_size, 128);
  EXPECT_EQ(arrays.weight_decay, 0.0);
  EXPECT_EQ(train::default_recipe_name(arrays, px::data::Task::regression), "arrays");
  train::TrainSettings images = table("");
  images.data = "fashion-mnist";
  EXPECT_EQ(train::default_recipe_name(images, px::data::Task::classification), "images");
}

TEST(RecipeDefaults, AnInferredRegressionGetsTheRecipeOnceTheTaskIsKnown) {
  train::TrainSettings s = table("");
  train::resolve_defaults(s, {"batch_size"});
  EXPECT_EQ(s.embedding, "none");  // the task is not known yet
  s.batch_size = 64;
  train::resolve_task_defaults(s, {"batch_size"}, px::data::Task::regression);
  EXPECT_EQ(s.embedding, "periodic");
  EXPECT_EQ(s.batch_size, 64);
  EXPECT_EQ(s.weight_decay, 0.001);  // over the table's 1e-4, which was not chosen
  EXPECT_EQ(train::task_defaults_text(s, {"batch_size"}, px::data::Task::regression),
            "--embedding periodic --feature-scale --dropout 0 --lr 0.003 --weight-decay 0.001");

  train::TrainSettings classifier = table("");
  train::resolve_defaults(classifier, {});
  train::resolve_task_defaults(classifier, {}, px::data::Task::classification);
  EXPECT_EQ(classifier.embedding, "none");
  EXPECT_EQ(classifier.batch_size, 128);
}

TEST(RecipeDefaults, TheLibrarysRecipeIsTheCommandsForEachTask) {
  const train::Recipe classifier = train::default_recipe(px::data::Task::classification);
  const train::Recipe plain;
  EXPECT_EQ(classifier.embedding, plain.embedding);
  EXPECT_EQ(classifier.batch_size, plain.batch_size);
  EXPECT_EQ(classifier.lr, plain.lr);

  // What the command trains on a regression table is the library's regression recipe.
  train::TrainSettings s = table("regression");
  train::resolve_defaults(s, {"task"});
  const train::Recipe from_settings = train::recipe_of(s);
  const train::Recipe regressor = train::default_recipe(px::data::Task::regression);
  EXPECT_EQ(from_settings.embedding, regressor.embedding);
  EXPECT_EQ(from_settings.feature_scale, regressor.feature_scale);
  EXPECT_EQ(from_settings.dropout, regressor.dropout);
  EXPECT_EQ(from_settings.batch_size, regressor.batch_size);
  EXPECT_EQ(from_settings.lr, regressor.lr);
  EXPECT_EQ(from_settings.weight_decay, regressor.weight_decay);
  EXPECT_EQ(from_settings.hidden, regressor.hidden);
  EXPECT_EQ(from_settings.epochs, regressor.epochs);
  EXPECT_NE(regressor.batch_size, plain.batch_size);
}

TEST(RecipeDefaults, ASmallClassificationTableTrainsInBatchesOf64WithALongerPatience) {
  const auto classification = px::data::Task::classification;
  const train::Recipe small = train::default_recipe(classification, 1000);
  EXPECT_EQ(small.batch_size, 64);
  EXPECT_EQ(small.epochs, 200);
  EXPECT_EQ(small.early_stopping, 30);
  const train::Recipe large = train::default_recipe(classification, train::kSmallTableRows);
  EXPECT_EQ(large.batch_size, 128);
  EXPECT_EQ(large.epochs, 100);
  EXPECT_EQ(large.early_stopping, 10);
  EXPECT_EQ(train::default_recipe(classification).batch_size, 128);  // rows not known

  train::TrainSettings s = table("classification");
  train::resolve_defaults(s, {"task"});
  train::resolve_size_defaults(s, {"task"}, classification, 1000);
  EXPECT_EQ(s.batch_size, 64);
  EXPECT_EQ(s.epochs, 200);
  EXPECT_EQ(s.early_stopping, 30);
  EXPECT_EQ(train::size_defaults_text(s, {"task"}, classification, 1000),
            "--batch-size 64 --epochs 200 --early-stopping 30");

  train::TrainSettings big = table("classification");
  train::resolve_size_defaults(big, {}, classification, train::kSmallTableRows);
  EXPECT_EQ(big.batch_size, 128);
  EXPECT_EQ(big.epochs, 100);
  EXPECT_EQ(big.early_stopping, 10);
  EXPECT_EQ(train::size_defaults_text(big, {}, classification, train::kSmallTableRows), "");

  // A chosen batch size wins, even the default's own value; the rest of the rule still applies.
  train::TrainSettings chosen = table("classification");
  train::resolve_size_defaults(chosen, {"batch_size"}, classification, 1000);
  EXPECT_EQ(chosen.batch_size, 128);
  EXPECT_EQ(chosen.early_stopping, 30);
  EXPECT_EQ(train::size_defaults_text(chosen, {"batch_size"}, classification, 1000),
            "--epochs 200 --early-stopping 30");

  // A chosen patience keeps the plain 100 epochs: `--early-stopping 0` does not run 200.
  train::TrainSettings no_stop = table("classification");
  no_stop.early_stopping = 0;
  train::resolve_size_defaults(no_stop, {"early_stopping"}, classification, 1000);
  EXPECT_EQ(no_stop.early_stopping, 0);
  EXPECT_EQ(no_stop.epochs, 100);
  EXPECT_EQ(no_stop.batch_size, 64);

  // Regression keeps its recipe's 32; arrays were not measured with it.
  train::TrainSettings regression = table("regression");
  train::resolve_defaults(regression, {"task"});
  train::resolve_size_defaults(regression, {"task"}, px::data::Task::regression, 1000);
  EXPECT_EQ(regression.batch_size, 32);
  train::TrainSettings arrays = table("");
  arrays.data = "x.npy";
  train::resolve_size_defaults(arrays, {}, classification, 1000);
  EXPECT_EQ(arrays.batch_size, 128);
}

// The regression recipe's periodic embedding takes at most kMostEmbeddedInputs numeric inputs: a
// wider table trains without it rather than failing, unless the flag asked for it.
TEST(RecipeDefaults, AWideRegressionTableTrainsWithoutTheDefaultEmbedding) {
  px::data::PreparedData data;
  data.task = px::data::Task::regression;
  for (const int64_t inputs : {train::kMostEmbeddedInputs, train::kMostEmbeddedInputs + 1}) {
    data.x_train = px::Tensor::zeros({2, inputs});
    train::TrainSettings s = table("regression");
    train::resolve_defaults(s, {"task"});
    const bool wide = inputs > train::kMostEmbeddedInputs;
    EXPECT_EQ(train::resolve_width_defaults(s, {"task"}, data), wide) << inputs;
    EXPECT_EQ(s.embedding, wide ? "none" : "periodic") << inputs;
    EXPECT_EQ(train::task_defaults_text(s, {"task"}, px::data::Task::regression)
                  .rfind(wide ? "--embedding none --feature-scale" : "--embedding periodic", 0),
              0u)
        << inputs;
    train::TrainSettings asked = table("regression");
    asked.embedding = "periodic";  // --embedding periodic
    train::resolve_defaults(asked, {"task", "embedding"});
    EXPECT_FALSE(train::resolve_width_defaults(asked, {"task", "embedding"}, data));
    EXPECT_EQ(asked.embedding, "periodic");
  }
}
