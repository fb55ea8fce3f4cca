// Calibration: the probability scores against scikit-learn, the temperature fit, threshold
// choice, the conformal quantile and its coverage, and a model file that carries all of it.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <plexus/plexus.hpp>
#include <random>
#include <vector>

#include "plexus/train/calibration.hpp"

namespace px = plexus;
namespace metrics = px::metrics;
using px::Tensor;

namespace {

// Reference values from scikit-learn 1.2 (log_loss) and numpy, for these float32 probabilities
// (1e-7 apart: scikit-learn rescales each row to sum to 1 in double, plexus reads them as given):
//   p = [[.7,.2,.1],[.1,.8,.1],[.3,.3,.4],[.05,.05,.9],[.5,.4,.1],[.2,.5,.3]], y = [0,1,2,2,1,0]
//   log_loss(y, p); mean(sum((p - onehot(y))**2, 1)); ECE over 15 bins (i/15, (i+1)/15]
//   q = [.9,.2,.6,.4,.75], yb = [1,0,0,1,1]: log_loss(yb, q); 2 * brier_score_loss(yb, q)
Tensor three_class_probabilities() {
  return Tensor::from({0.7f, 0.2f, 0.1f, 0.1f, 0.8f, 0.1f, 0.3f, 0.3f, 0.4f, 0.05f, 0.05f, 0.9f,
                       0.5f, 0.4f, 0.1f, 0.2f, 0.5f, 0.3f},
                      {6, 3});
}
Tensor three_class_targets() { return Tensor::from({0, 1, 2, 2, 1, 0}, {6}); }

// Logits whose softmax at T = 1 is the truth, scaled by 4: a network four times too confident.
struct Overconfident {
  Tensor logits, targets;
};
Overconfident overconfident(size_t rows, unsigned seed) {
  std::mt19937 engine(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  Overconfident out{Tensor::empty({static_cast<int64_t>(rows), 3}),
                    Tensor::empty({static_cast<int64_t>(rows)})};
  for (size_t i = 0; i < rows; ++i) {
    float z[3];
    double total = 0;
    for (float& v : z) total += std::exp(v = normal(engine));
    double u = uniform(engine) * total;
    size_t label = 0;
    while (label < 2 && (u -= std::exp(z[label])) > 0) ++label;
    for (size_t c = 0; c < 3; ++c) out.logits.data()[3 * i + c] = 4.0f * z[c];
    out.targets.data()[i] = static_cast<float>(label);
  }
  return out;
}

}  // namespace

TEST(Calibration, ProbabilityScoresMatchScikitLearn) {
  const Tensor p = three_class_probabilities(), y = three_class_targets();
  EXPECT_NEAR(metrics::log_loss(p, y), 0.68786640137704813, 1e-7);
  EXPECT_NEAR(metrics::brier_score(p, y), 0.39250000201165697, 1e-7);
  EXPECT_NEAR(metrics::expected_calibration_error(p, y), 0.36666666964689887, 1e-7);
  // One column of P(class 1): the binary definitions, Brier twice scikit-learn's binary one.
  const Tensor q = Tensor::from({0.9f, 0.2f, 0.6f, 0.4f, 0.75f}, {5});
  const Tensor yb = Tensor::from({1, 0, 0, 1, 1}, {5});
  EXPECT_NEAR(metrics::log_loss(q, yb), 0.48975353561837132, 1e-7);
  EXPECT_NEAR(metrics::brier_score(q, yb), 2 * 0.16650000548362756, 1e-7);
  EXPECT_NEAR(metrics::expected_calibration_error(q, yb), 0.35000000894069677, 1e-7);
}

TEST(Calibration, EvaluateScoresTheTemperedProbabilitiesAndStatesTheBins) {
  const Tensor p = three_class_probabilities(), y = three_class_targets();
  const Tensor logits = px::log(p);  // softmax(log p) = p
  const metrics::Scores s = metrics::evaluate(logits, y, px::data::Task::classification);
  EXPECT_NEAR(s.log_loss, 0.68786640137704813, 1e-6);
  EXPECT_NEAR(s.ece, 0.36666666964689887, 1e-6);
  EXPECT_EQ(metrics::calibration_text(s),
            "  log-loss 0.6879   Brier 0.3925   ECE 0.3667 (15 equal-width bins)\n");
  EXPECT_NE(metrics::scores_json(s, {"a", "b", "c"}, false).find("\"ece_bins\":15"),
            std::string::npos);
  // The bins behind the ECE, for a reliability diagram: the confidences 0.7, 0.8, 0.4, 0.9, 0.5,
  // 0.5 fall in bins 10, 12, 6, 13, 7, 7 (of 15); the last two rows are wrong, the others right.
  ASSERT_EQ(s.reliability.size(), 15u);
  EXPECT_EQ(s.reliability[7].rows, 2u);
  EXPECT_NEAR(s.reliability[7].confidence, 0.5, 1e-6);
  EXPECT_EQ(s.reliability[7].accuracy, 0.0);
  EXPECT_EQ(s.reliability[13].rows, 1u);
  EXPECT_EQ(s.reliability[13].accuracy, 1.0);
  double ece = 0;
  for (const auto& bin : s.reliability)
    ece += bin.rows / 6.0 * std::abs(bin.accuracy - bin.confidence);
  EXPECT_NEAR(ece, s.ece, 1e-12);
  // A temperature changes the probabilities, never the argmax.
  const metrics::Scores hot =
      metrics::evaluate(logits, y, px::data::Task::classification, {.temperature = 3.0});
  EXPECT_EQ(hot.accuracy, s.accuracy);
  EXPECT_NEAR(hot.log_loss, metrics::log_loss(px::softmax(logits / 3.0f, 1), y), 1e-9);
  EXPECT_NE(hot.log_loss, s.log_loss);
}

TEST(Calibration, TemperatureFitFindsTheOverconfidenceAndLowersTheNll) {
  const Overconfident data = overconfident(4000, 3);
  const double t = px::train::fit_temperature(data.logits, data.targets);
  EXPECT_NEAR(t, 4.0, 0.4);
  const double before = px::train::temperature_nll(data.logits, data.targets, 1.0);
  const double after = px::train::temperature_nll(data.logits, data.targets, t);
  EXPECT_LT(after, before - 0.5);
  // The minimum: either side is worse.
  EXPECT_LT(after, px::train::temperature_nll(data.logits, data.targets, t * 1.05));
  EXPECT_LT(after, px::train::temperature_nll(data.logits, data.targets, t / 1.05));
  // And on new rows from the same source, the calibration error falls too.
  const Overconfident test = overconfident(4000, 4);
  const double ece_before =
      metrics::expected_calibration_error(px::softmax(test.logits, 1), test.targets);
  const double ece_after = metrics::expected_calibration_error(
      px::softmax(test.logits / static_cast<float>(t), 1), test.targets);
  EXPECT_LT(ece_after, ece_before / 2);
}

TEST(Calibration, CalibrateKeepsATemperatureOnlyWhenItLowersTheNll) {
  const Overconfident data = overconfident(1000, 5);
  const auto fitted =
      px::train::calibrate(data.logits, data.targets, px::data::Task::classification, {});
  EXPECT_TRUE(fitted.temperature_kept);
  EXPECT_EQ(fitted.calibration.temperature, fitted.fitted_temperature);
  EXPECT_LT(fitted.nll_after, fitted.nll_before);
  // Logits already at their best temperature: the fit lands on about 1 and cannot lower the
  // NLL by more than rounding; whatever it finds, a kept T never raises it.
  const Tensor calibrated = data.logits / static_cast<float>(fitted.fitted_temperature);
  const auto again =
      px::train::calibrate(calibrated, data.targets, px::data::Task::classification, {});
  EXPECT_NEAR(again.fitted_temperature, 1.0, 1e-3);
  EXPECT_LE(again.nll_after, again.nll_before);
  // Every row classified right: the NLL falls as T -> 0 and has no minimum; T = 1 stays.
  const auto edge =
      px::train::calibrate(Tensor::from({2, 0, 0, 3, 1, 0}, {3, 2}), Tensor::from({0, 1, 0}, {3}),
                           px::data::Task::classification, {});
  EXPECT_TRUE(edge.temperature_at_edge);
  EXPECT_LT(edge.nll_after, edge.nll_before);
  EXPECT_FALSE(edge.temperature_kept);
  EXPECT_EQ(edge.calibration.temperature, 1.0);
  const auto off = px::train::calibrate(data.logits, data.targets, px::data::Task::classification,
                                        {.temperature = false});
  EXPECT_EQ(off.calibration.temperature, 1.0);
  EXPECT_TRUE(off.calibration.empty());
}

TEST(Calibration, ThresholdsServeTheirRule) {
  // Sorted by probability: y = 1 0 1 1 0 0. Cutting after the fourth row (between 0.6 and 0.3)
  // gives tp 3, fp 1, fn 0: F1 6/7, balanced accuracy (1 + 2/3) / 2, cost fp=1,fn=5: 1.
  const Tensor p = Tensor::from({0.3f, 0.9f, 0.7f, 0.8f, 0.2f, 0.6f}, {6});
  const Tensor y = Tensor::from({0, 1, 1, 0, 0, 1}, {6});
  using px::train::choose_threshold;
  const auto f1 = choose_threshold(p, y, px::train::threshold_rule("f1"));
  EXPECT_NEAR(f1.threshold, 0.45, 1e-6);
  EXPECT_NEAR(f1.value, 6.0 / 7.0, 1e-12);
  const auto balanced = choose_threshold(p, y, px::train::threshold_rule("balanced_accuracy"));
  EXPECT_NEAR(balanced.threshold, 0.45, 1e-6);
  EXPECT_NEAR(balanced.value, (1 + 2.0 / 3.0) / 2, 1e-12);
  // The best precision with recall >= 0.3: the top row alone (precision 1).
  const auto precise = choose_threshold(p, y, px::train::threshold_rule("precision@0.3"));
  EXPECT_NEAR(precise.threshold, 0.85, 1e-6);
  EXPECT_EQ(precise.value, 1.0);
  // The best recall with precision >= 0.75: every positive, one false positive.
  const auto recall = choose_threshold(p, y, px::train::threshold_rule("recall@0.75"));
  EXPECT_NEAR(recall.threshold, 0.45, 1e-6);
  EXPECT_EQ(recall.value, 1.0);
  EXPECT_TRUE(recall.reached);
  const auto cheap = choose_threshold(p, y, px::train::cost_rule("fp=1,fn=5"));
  EXPECT_NEAR(cheap.threshold, 0.45, 1e-6);
  EXPECT_NEAR(cheap.value, 1.0 / 6.0, 1e-12);
  // False positives dear: only the surest row is called positive (cost 2 misses / 6 rows).
  const auto careful = choose_threshold(p, y, px::train::cost_rule("fp=10,fn=1"));
  EXPECT_NEAR(careful.threshold, 0.85, 1e-6);
  EXPECT_NEAR(careful.value, 2.0 / 6.0, 1e-12);
  // A precision no cut reaches: the closest is taken and said to be.
  const Tensor worse = Tensor::from({0, 1, 1, 0, 1, 0}, {6});
  const Tensor ordered = Tensor::from({0.9f, 0.8f, 0.7f, 0.6f, 0.3f, 0.2f}, {6});
  const auto missed = choose_threshold(ordered, worse, px::train::threshold_rule("recall@0.9"));
  EXPECT_FALSE(missed.reached);
  EXPECT_NEAR(missed.threshold, 0.65, 1e-6);  // precision 2/3, the best there is
  EXPECT_THROW(px::train::threshold_rule("precision@1.5"), px::Error);
  EXPECT_THROW(px::train::threshold_rule("accuracy"), px::Error);
  EXPECT_THROW(px::train::cost_rule("fp=1,xx=2"), px::Error);
}

TEST(Calibration, ConformalQuantileIsTheFiniteSampleOne) {
  std::vector<double> residuals;
  for (int i = 1; i <= 19; ++i) residuals.push_back(i);
  // k = ceil((n + 1) level): (20)(0.9) = 18, (20)(0.95) = 19, (20)(0.99) = 19.8 -> 20 > n.
  EXPECT_EQ(px::io::conformal_quantile(residuals, 0.9), 18.0);
  EXPECT_EQ(px::io::conformal_quantile(residuals, 0.95), 19.0);
  EXPECT_EQ(px::io::conformal_quantile(residuals, 0.99), std::numeric_limits<double>::infinity());
  EXPECT_EQ(px::io::conformal_quantile(residuals, 0.01), 1.0);
  EXPECT_THROW(px::io::conformal_quantile(residuals, 1.0), px::Error);
}

TEST(Calibration, ConformalIntervalsCoverTheirLevelOnExchangeableRows) {
  // Predictions 0, targets N(0, 1): 500 held-out residuals, then 20000 new rows.
  std::mt19937 engine(11);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  Tensor held_out = Tensor::empty({500, 1});
  for (int64_t i = 0; i < 500; ++i) held_out.data()[i] = normal(engine);
  const auto fitted =
      px::train::calibrate(Tensor::zeros({500, 1}), held_out, px::data::Task::regression, {});
  ASSERT_EQ(fitted.calibration.residuals.size(), 500u);
  Tensor targets = Tensor::empty({20000, 1});
  for (int64_t i = 0; i < 20000; ++i) targets.data()[i] = normal(engine);
  const metrics::Scores s = metrics::evaluate(Tensor::zeros({20000, 1}), targets,
                                              px::data::Task::regression, fitted.calibration);
  EXPECT_EQ(s.interval_level, 0.9);
  EXPECT_NEAR(s.interval_coverage, 0.9, 0.02);
  EXPECT_NEAR(s.interval_width, 2 * 1.645, 0.3);  // the normal's 95% point, both sides
}

TEST(Calibration, AModelFileCarriesItAndPredictionsHonourIt) {
  px::manual_seed(1);
  px::nn::Sequential network{px::nn::Linear(2, 2)};
  px::io::ModelInfo info;
  info.classes = {"no", "yes"};
  info.features = {"a", "b"};
  info.calibration = {.temperature = 2.5, .threshold = 0.3, .threshold_rule = "f1"};
  const auto path = std::filesystem::path(::testing::TempDir()) / "calibration_model.plx";
  px::io::save_model(network, path, info);
  px::io::Model model = px::io::load_model(path);
  EXPECT_EQ(model.info.calibration.temperature, 2.5);
  EXPECT_EQ(model.info.calibration.threshold, 0.3);
  EXPECT_EQ(model.info.calibration.threshold_rule, "f1");
  const Tensor outputs = Tensor::from({2, 1, 0, 1, -1, 3, 1, 0.5f}, {4, 2});
  const std::vector<float> p = model.probabilities(outputs).to_vector();
  const std::vector<float> predicted = model.predictions(outputs).to_vector();
  const float* o = outputs.data();
  for (size_t i = 0; i < 4; ++i) {
    const double p1 = 1.0 / (1.0 + std::exp((static_cast<double>(o[2 * i]) - o[2 * i + 1]) / 2.5));
    EXPECT_NEAR(p[2 * i + 1], p1, 1e-6) << i;
    EXPECT_EQ(predicted[i], p1 >= 0.3 ? 1.0f : 0.0f) << i;
  }
  // Row 0: logits (2, 1), argmax "no", but P(yes) = 0.40 >= 0.3.
  EXPECT_EQ(predicted[0], 1.0f);
  // A regressor's intervals: prediction -+ the conformal quantile of its residuals.
  info = {};
  info.task = "regression";
  info.features = {"a", "b"};
  for (int i = 1; i <= 9; ++i) info.calibration.residuals.push_back(i * 0.5);
  px::io::save_model(px::nn::Sequential{px::nn::Linear(2, 1)}, path, info);
  px::io::Model regressor = px::io::load_model(path);
  const std::vector<float> bounds =
      regressor.intervals(Tensor::from({1, -2}, {2, 1}), 0.8).to_vector();
  // n = 9, k = ceil(10 * 0.8) = 8: the residual 4.0.
  EXPECT_EQ(bounds, (std::vector<float>{-3, 5, -6, 2}));
  px::io::Model without;  // an older file's regressor: no residuals
  without.info.task = "regression";
  EXPECT_THROW(without.intervals(Tensor::zeros({1, 1}), 0.9), px::Error);
}
