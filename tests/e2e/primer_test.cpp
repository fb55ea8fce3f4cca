// The primer's examples (examples/primer/) make claims; each test here runs one example with its
// fast settings in a fresh folder, reads its `claim: key=value` lines and checks the claim the
// primer makes, then checks that every SVG it wrote is a non-empty, well-formed SVG document.
// The thresholds are the primer's statements, not the numbers of one run.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

#ifndef PLEXUS_PRIMER_BIN_DIR  // built with PLEXUS_BUILD_EXAMPLES=OFF
#define PLEXUS_PRIMER_BIN_DIR ""
#endif

namespace {

struct ExampleRun {
  int status = -1;
  std::string output;
  std::map<std::string, double> claims;
  std::vector<fs::path> svgs;
  double operator[](const std::string& key) const {
    const auto it = claims.find(key);
    if (it == claims.end()) ADD_FAILURE() << "no claim \"" << key << "\" in:\n" << output;
    return it == claims.end() ? 0.0 : it->second;
  }
};

// A tag-balance check: every <name ...> is closed in order, and the root is <svg>.
// Enough to catch a truncated or hand-written file gone wrong; browsers do the rest (browser/).
std::string xml_problem(const std::string& text) {
  std::vector<std::string> open;
  std::string root;
  for (size_t i = text.find('<'); i != std::string::npos; i = text.find('<', i + 1)) {
    const size_t end = text.find('>', i);
    if (end == std::string::npos) return "unterminated tag";
    const std::string tag = text.substr(i + 1, end - i - 1);
    if (tag.empty() || tag[0] == '?' || tag[0] == '!') continue;
    const bool closing = tag[0] == '/', self_closing = tag.back() == '/';
    const std::string name =
        tag.substr(closing ? 1 : 0, tag.find_first_of(" \t\n/>", 1) - (closing ? 1 : 0));
    if (closing) {
      if (open.empty() || open.back() != name) return "</" + name + "> closes nothing open";
      open.pop_back();
    } else if (!self_closing) {
      if (root.empty()) root = name;
      open.push_back(name);
    }
  }
  if (root != "svg") return "the root element is <" + root + ">, not <svg>";
  if (!open.empty()) return "<" + open.back() + "> is never closed";
  return "";
}

ExampleRun run_example(const std::string& name) {
  const fs::path out = fs::temp_directory_path() / ("plexus_primer_" + name);
  fs::remove_all(out);
  fs::create_directories(out);
  const std::string command =
      std::string(PLEXUS_PRIMER_BIN_DIR) + "/" + name + " --out " + out.string() + " 2>&1";
  ExampleRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  while (fgets(buffer, sizeof(buffer), pipe) != nullptr) run.output += buffer;
  run.status = pclose(pipe);
  std::istringstream lines(run.output);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("claim: ")) continue;
    const size_t eq = line.find('=');
    run.claims[line.substr(7, eq - 7)] = std::stod(line.substr(eq + 1));
  }
  for (const auto& entry : fs::directory_iterator(out))
    if (entry.path().extension() == ".svg") run.svgs.push_back(entry.path());
  return run;
}

// Runs the example, expects it to succeed and to write `figures` SVGs that parse.
ExampleRun checked_run(const std::string& name, size_t figures) {
  ExampleRun run = run_example(name);
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(run.svgs.size(), figures) << run.output;
  for (const fs::path& svg : run.svgs) {
    std::ifstream in(svg);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_GT(text.size(), 200u) << svg;
    EXPECT_EQ(xml_problem(text), "") << svg;
  }
  return run;
}

class Primer : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string(PLEXUS_PRIMER_BIN_DIR).empty()) GTEST_SKIP() << "the examples are not built";
  }
};

}  // namespace

TEST_F(Primer, PerceptronWorksTheForwardPassAndBothRulesSeparate) {
  const ExampleRun r = checked_run("perceptron", 1);
  EXPECT_NEAR(r["z"], 1.0, 1e-6);        // 0.5 * -1 + 1.0 * 2 - 0.5
  EXPECT_NEAR(r["y"], 0.7310586, 1e-6);  // 1 / (1 + e^-1)
  EXPECT_EQ(r["rule_mistakes"], 0);      // the perceptron rule converged on separable data
  EXPECT_GE(r["gd_accuracy"], 0.97);
}

TEST_F(Primer, StudentsLossIsTheMeanOverStudents) {
  const ExampleRun r = checked_run("students", 2);
  EXPECT_NEAR(r["mean_of_students"], r["loss_mean"], 1e-6);
  EXPECT_LT(r["loss_mean"], r["loss_before"] / 5);
  EXPECT_GT(r["p_pass_4_5"], 0.5);  // the primer's (4, 5) passes, (2, 1) fails
  EXPECT_LT(r["p_pass_2_1"], 0.5);
  EXPECT_EQ(r["accuracy"], 1.0);
}

TEST_F(Primer, ActivationsHaveThePrimersRanges) {
  const ExampleRun r = checked_run("activations", 2);
  EXPECT_GE(r["sigmoid_min"], 0.0);
  EXPECT_LE(r["sigmoid_max"], 1.0);
  EXPECT_GE(r["sigmoid_dmin"], 0.0);
  EXPECT_NEAR(r["sigmoid_dmax"], 0.25, 1e-6);  // reached at x = 0, which the grid contains
  EXPECT_GE(r["tanh_min"], -1.0);
  EXPECT_LE(r["tanh_max"], 1.0);
  EXPECT_GE(r["tanh_dmin"], 0.0);
  EXPECT_NEAR(r["tanh_dmax"], 1.0, 1e-6);
  EXPECT_EQ(r["relu_min"], 0.0);
  EXPECT_EQ(r["relu_d_is_0_or_1"], 1.0);
}

TEST_F(Primer, DecisionBoundaryNeedsANonLinearModel) {
  const ExampleRun r = checked_run("decision_boundary", 2);
  EXPECT_LT(r["linear_accuracy"], 0.75);
  EXPECT_GT(r["mlp_accuracy"], 0.95);
}

TEST_F(Primer, LossLandscapeDescendsAndFindsLocalMinima) {
  const ExampleRun r = checked_run("loss_landscape", 2);
  EXPECT_LT(r["bowl_final_loss"], 1e-3);
  EXPECT_NEAR(r["bowl_w0"], 2.0, 0.05);
  EXPECT_NEAR(r["bowl_w1"], -1.0, 0.05);
  EXPECT_NEAR(r["left_centre"], -1.5, 0.1);  // two starts, two different minima
  EXPECT_NEAR(r["right_centre"], 1.5, 0.1);
  EXPECT_GT(r["right_loss"], 2 * r["left_loss"]);  // the right one is only local
}

TEST_F(Primer, BackpropByHandEqualsAutograd) {
  const ExampleRun r = checked_run("backprop", 2);
  EXPECT_LT(r["max_abs_diff"], 1e-6);
  EXPECT_NEAR(r["loss"], 0.274811083, 1e-6);    // E = (0.01 - o)^2 / 2, o = sigmoid(1.1059)
  EXPECT_NEAR(r["dE_dw5"], 0.082167041, 1e-6);  // the cited tutorial's value
}

TEST_F(Primer, VanishingGradientsInSigmoidNetsNotInReluHe) {
  const ExampleRun r = checked_run("vanishing_gradients", 2);
  EXPECT_LT(r["sigmoid_first_over_last"], 1e-3);
  EXPECT_LT(r["relu_he_max_over_min"], 100);
  EXPECT_TRUE(!std::isfinite(r["unclipped_last_loss"]) ||
              r["unclipped_last_loss"] > r["unclipped_first_loss"]);
  EXPECT_LT(r["clipped_last_loss"], r["clipped_first_loss"] / 10);
}

TEST_F(Primer, MiniBatchBeatsBatchPerEpochAndIsSmootherThanStochastic) {
  const ExampleRun r = checked_run("gd_variants", 3);
  EXPECT_LT(r["minibatch_epochs_to_target"], r["batch_epochs_to_target"]);
  EXPECT_LT(r["minibatch_swing"], r["sgd_swing"]);
}

TEST_F(Primer, LearningRateTooSmallTooLargeRight) {
  const ExampleRun r = checked_run("learning_rate", 2);
  EXPECT_GT(r["too_large_last"], r["too_large_first"]);  // diverges
  EXPECT_GT(r["too_small_last"], 5 * r["target"]);       // still far after the same steps
  EXPECT_LT(r["right_last"], r["target"]);
  EXPECT_GT(r["suggested_lr"], 0.005);  // between the too small and the too large rate
  EXPECT_LT(r["suggested_lr"], 1.05);
}

TEST_F(Primer, AdaptiveOptimizersNeedFewerStepsThanTheBestSgd) {
  const ExampleRun r = checked_run("optimizers", 2);
  for (const char* method : {"adam_steps", "rmsprop_steps", "adagrad_steps"})
    EXPECT_LT(r[method], r["best_sgd_steps"]) << method;
}

TEST_F(Primer, TheBigNetworkOverfitsTheSmallOneUnderfits) {
  const ExampleRun r = checked_run("fitting", 2);
  // Validation loss rises after its lowest point while the training loss keeps falling.
  EXPECT_GT(r["big_val"], 1.3 * r["big_val_min"]);
  EXPECT_LT(r["big_train"], r["big_train_at_val_min"]);
  EXPECT_GT(r["big_val"] - r["big_train"], 2 * (r["right_val"] - r["right_train"]));
  EXPECT_GT(r["small_train"], 2 * r["right_train"]);  // underfits the training data itself
}

TEST_F(Primer, DropoutAndL2NarrowTheGap) {
  const ExampleRun r = checked_run("regularization", 3);
  EXPECT_LT(r["dropout_gap"], r["plain_gap"] / 2);
  EXPECT_LT(r["l2_gap"], r["plain_gap"]);
  EXPECT_LT(r["both_gap"], r["plain_gap"] / 2);
  EXPECT_LT(r["both_val"], r["plain_val"]);
}

TEST_F(Primer, EarlyStoppingStopsPatienceEpochsAfterTheBestAndRestoresIt) {
  const ExampleRun r = checked_run("early_stopping", 1);
  EXPECT_EQ(r["stopped_epoch"] - r["best_epoch"], r["patience"]);
  EXPECT_EQ(r["epochs_run"], r["stopped_epoch"] + 1);
  EXPECT_NEAR(r["restored_val_loss"], r["best_val_loss"], 1e-6);
  EXPECT_GT(r["last_val_loss"], r["best_val_loss"]);
}

TEST_F(Primer, InitKeepsTheScaleOnlyWhenMatchedToTheActivation) {
  const ExampleRun r = checked_run("init", 2);
  EXPECT_EQ(r["tanh_zeros_std_last"], 0.0);
  EXPECT_LT(r["tanh_small_std_last"], 1e-5);
  EXPECT_GT(r["tanh_Xavier_std_last"], 0.1);
  EXPECT_LT(r["relu_small_std_last"], 1e-5);
  EXPECT_GT(r["relu_He_std_last"] / r["relu_He_std_first"], 0.5);
  EXPECT_LT(r["relu_Xavier_std_last"] / r["relu_Xavier_std_first"], 0.1);  // halves per layer
}

TEST_F(Primer, BatchNormReachesTheTargetInFewerEpochs) {
  const ExampleRun r = checked_run("batchnorm", 1);
  EXPECT_LT(r["bn_epochs_to_target"], r["plain_epochs_to_target"]);
  EXPECT_LE(r["bn_epochs_to_target"], r["epochs"]);
}
