// The playground's engine (playground/): its toy sets, its training through the library, the
// errors and NaN messages the page shows, and the .plx it exports, read back by io::load_model.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <plexus/plexus.hpp>

#include "engine.hpp"
#include "toy_data.hpp"

namespace px = plexus;
namespace pg = plexus::playground;
using nlohmann::json;

namespace {

json train(pg::Engine& engine, int steps) { return json::parse(engine.step(steps)); }

}  // namespace

TEST(Playground, ToySetsRepeatForASeedAndHaveEveryClass) {
  for (const char* name : {"circle", "xor", "gauss", "spiral"}) {
    const pg::Points a = pg::make_toy_set(name, 300, 0.1, 3, 5);
    const pg::Points b = pg::make_toy_set(name, 300, 0.1, 3, 5);
    const pg::Points c = pg::make_toy_set(name, 300, 0.1, 3, 6);
    EXPECT_EQ(a.inputs, b.inputs) << name;
    EXPECT_NE(a.inputs, c.inputs) << name;
    ASSERT_EQ(a.rows(), 300) << name;
    const bool three = std::string(name) == "gauss" || std::string(name) == "spiral";
    for (float label = 0; label < (three ? 3.0f : 2.0f); ++label)
      EXPECT_NE(std::count(a.labels.begin(), a.labels.end(), label), 0) << name << " " << label;
  }
  EXPECT_THROW(pg::make_toy_set("moons", 10, 0, 2, 1), px::Error);
}

TEST(Playground, FeaturesAreTheirFormulas) {
  const std::vector<float> row = pg::expand_features({2.0f, -3.0f}, pg::feature_names());
  const std::vector<float> expected = {2, -3, 4, 9, -6, std::sin(2.0f), std::sin(-3.0f)};
  EXPECT_EQ(row, expected);
}

TEST(Playground, TrainsTheCircleAndThreeSpiralArms) {
  pg::Engine circle(R"({"dataset": "circle", "hidden": [4, 2], "lr": 0.1, "seed": 2})");
  const double before = train(circle, 0)["test_loss"];
  const json after = train(circle, 1000);
  EXPECT_LT(after["test_loss"].get<double>(), before / 2);
  EXPECT_GE(after["test_accuracy"].get<double>(), 0.9);
  pg::Engine spiral(R"({"dataset": "spiral", "classes": 3, "hidden": [16, 16], "optimizer": "adam",
                        "lr": 0.01, "seed": 2})");
  const json report = train(spiral, 3000);
  EXPECT_GE(report["train_accuracy"].get<double>(), 0.9);
  EXPECT_EQ(report["confusion"].size(), 3u);
}

TEST(Playground, ASeedGivesTheSameRun) {
  const char* config = R"({"dataset": "xor", "dropout": 0.2, "batch_norm": true, "seed": 9})";
  pg::Engine a(config), b(config);
  EXPECT_EQ(train(a, 50)["train_loss"], train(b, 50)["train_loss"]);
}

TEST(Playground, ConfigErrorsNameTheSetting) {
  try {
    pg::Engine engine(R"({"learning_rate": 0.1})");
    FAIL() << "an unknown setting was accepted";
  } catch (const px::Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown setting \"learning_rate\""), std::string::npos);
  }
  EXPECT_THROW(pg::Engine(R"({"loss": "binary_cross_entropy_with_logits", "classes": 3,
                              "dataset": "spiral"})"),
               px::Error);
}

TEST(Playground, ANaNStopsTrainingAndNamesTheLayer) {
  pg::Engine engine(R"({"dataset": "circle", "hidden": [8, 8, 8, 8, 8, 8, 8, 8],
                        "activation": "relu", "init": "normal", "init_std": 5, "lr": 1})");
  const json report = train(engine, 100);
  const std::string nan = report["nan"];
  EXPECT_NE(nan.find("layer "), std::string::npos) << nan;
  EXPECT_NE(nan.find("learning rate"), std::string::npos) << nan;
  EXPECT_EQ(train(engine, 10)["step"], report["step"]);  // stays stopped
}

TEST(Playground, TheExportedModelPredictsThePagesProbabilities) {
  for (const char* loss : {"cross_entropy", "binary_cross_entropy_with_logits"}) {
    pg::Engine engine(std::string(R"({"dataset": "gauss", "features": ["x1", "x2_squared"],
                                      "hidden": [3], "loss": ")") +
                      loss + R"("})");
    train(engine, 100);
    const auto path = std::filesystem::path(::testing::TempDir()) / "playground.plx";
    engine.export_model(path.string());
    px::io::Model model = px::io::load_model(path);
    EXPECT_EQ(model.info.features, (std::vector<std::string>{"x1", "x2_squared"}));
    const json layout = json::parse(engine.layout());
    const std::vector<float> xy = layout["test"]["inputs"];
    const std::vector<float> inputs = pg::expand_features(xy, model.info.features);
    const auto rows = static_cast<int64_t>(xy.size() / 2);
    const px::Tensor probs =
        model.predict_proba(px::Tensor::from(std::span<const float>(inputs), {rows, 2}));
    const std::vector<float> page = engine.test_probabilities();
    ASSERT_EQ(probs.numel(), page.size()) << loss;
    for (size_t i = 0; i < page.size(); ++i) EXPECT_NEAR(probs.data()[i], page[i], 1e-6) << loss;
  }
}
