// Metrics against values worked out by hand (they agree with scikit-learn's accuracy_score,
// top_k_accuracy_score, confusion_matrix, precision/recall/f1_score(average="macro"),
// mean_squared_error, mean_absolute_error and r2_score on the same inputs).
#include <gtest/gtest.h>

#include <cmath>
#include <plexus/plexus.hpp>
#include <plexus/train/metrics.hpp>

namespace px = plexus;
namespace metrics = plexus::metrics;
using px::Tensor;

namespace {

// Scores for 6 rows, 3 classes, whose argmax is y_pred = [0, 2, 2, 2, 1, 1];
// y_true = [0, 1, 2, 2, 1, 0].
Tensor six_scores() {
  return Tensor::from({3.0f, 1.0f, 0.5f,   // -> 0 (true 0)
                       0.1f, 0.2f, 0.9f,   // -> 2 (true 1), second best 1
                       -1.f, -2.f, 4.0f,   // -> 2 (true 2)
                       0.0f, 0.3f, 0.4f,   // -> 2 (true 2)
                       0.2f, 0.7f, 0.1f,   // -> 1 (true 1)
                       0.3f, 0.6f, 0.5f},  // -> 1 (true 0), class 0 last
                      {6, 3});
}
Tensor six_targets() { return Tensor::from({0, 1, 2, 2, 1, 0}, {6}); }

}  // namespace

TEST(Metrics, AccuracyCountsArgmaxHits) {
  // Rows 0, 2, 3, 4 are right: 4 / 6.
  EXPECT_DOUBLE_EQ(metrics::accuracy(six_scores(), six_targets()), 4.0 / 6.0);
  EXPECT_EQ(metrics::predicted_classes(six_scores()).to_vector(),
            (std::vector<float>{0, 2, 2, 2, 1, 1}));
}

TEST(Metrics, AccuracyAcceptsOneHotTargetsAndBinaryProbabilities) {
  const Tensor one_hot =
      Tensor::from({1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 1, 0, 1, 0, 0}, {6, 3});
  EXPECT_DOUBLE_EQ(metrics::accuracy(six_scores(), one_hot), 4.0 / 6.0);
  // One column of probabilities: class 1 where p > 0.5 -> [1, 0, 1, 0]; targets [1, 0, 0, 0].
  const Tensor p = Tensor::from({0.9f, 0.2f, 0.6f, 0.5f}, {4, 1});
  const Tensor t = Tensor::from({1, 0, 0, 0}, {4});
  EXPECT_DOUBLE_EQ(metrics::accuracy(p, t), 0.75);
  // The same values read as logits (threshold 0): all four are class 1.
  EXPECT_DOUBLE_EQ(metrics::accuracy(p, t, 0.0f), 0.25);
}

TEST(Metrics, TopKAccuracy) {
  // k = 1 is accuracy. k = 2: the misses of top-1 are row 1 (true 1 is second best: hit) and
  // row 5 (true 0 scores 0.3, lowest: miss), so 5 / 6. k = 3 covers every class: 1.
  EXPECT_DOUBLE_EQ(metrics::top_k_accuracy(six_scores(), six_targets(), 1), 4.0 / 6.0);
  EXPECT_DOUBLE_EQ(metrics::top_k_accuracy(six_scores(), six_targets(), 2), 5.0 / 6.0);
  EXPECT_DOUBLE_EQ(metrics::top_k_accuracy(six_scores(), six_targets(), 3), 1.0);
  EXPECT_EQ(metrics::top_k(5).name(), "top5");
}

TEST(Metrics, ConfusionMatrixRowsAreTrueClasses) {
  // true 0: predicted 0 (row 0), 1 (row 5); true 1: 2 (row 1), 1 (row 4); true 2: 2, 2.
  EXPECT_EQ(metrics::confusion_matrix(six_scores(), six_targets()).to_vector(),
            (std::vector<float>{1, 1, 0,  //
                                0, 1, 1,  //
                                0, 0, 2}));
}

TEST(Metrics, MacroPrecisionRecallF1) {
  // Per class (tp, predicted, actual): 0: (1, 1, 2), 1: (1, 2, 2), 2: (2, 3, 2).
  // precision = (1/1 + 1/2 + 2/3) / 3 = 0.722222...
  // recall    = (1/2 + 1/2 + 2/2) / 3 = 0.666666...
  // F1 = 2 tp / (predicted + actual) = (2/3 + 2/4 + 4/5) / 3 = 0.655555...
  EXPECT_NEAR(metrics::precision(six_scores(), six_targets()), 13.0 / 18.0, 1e-12);
  EXPECT_NEAR(metrics::recall(six_scores(), six_targets()), 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(metrics::f1(six_scores(), six_targets()), (2.0 / 3 + 0.5 + 0.8) / 3, 1e-12);
}

TEST(Metrics, MacroAveragesSkipClassesAbsentFromTargetsAndPredictions) {
  // 4 score columns, but class 3 never occurs: averages run over classes 0..2 only.
  const Tensor scores = Tensor::from({1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0}, {4, 4});
  const Tensor targets = Tensor::from({0, 1, 2, 1}, {4});
  // class 0: p 1, r 1; class 1: tp 1, predicted 1, actual 2 -> p 1, r 1/2;
  // class 2: tp 1, predicted 2, actual 1 -> p 1/2, r 1.
  EXPECT_NEAR(metrics::precision(scores, targets), 2.5 / 3, 1e-12);
  EXPECT_NEAR(metrics::recall(scores, targets), 2.5 / 3, 1e-12);
}

TEST(Metrics, RegressionErrors) {
  // scikit-learn's documentation example: y_true = [3, -0.5, 2, 7], y_pred = [2.5, 0, 2, 8].
  // errors (-0.5, 0.5, 0, 1): MSE = (0.25 + 0.25 + 0 + 1) / 4 = 0.375, MAE = 2 / 4 = 0.5.
  // mean(y_true) = 2.875, SS_tot = 29.1875, SS_res = 1.5, R^2 = 1 - 1.5 / 29.1875 = 0.948608...
  const Tensor pred = Tensor::from({2.5f, 0.0f, 2.0f, 8.0f}, {4, 1});
  const Tensor target = Tensor::from({3.0f, -0.5f, 2.0f, 7.0f}, {4});
  EXPECT_DOUBLE_EQ(metrics::mse(pred, target), 0.375);
  EXPECT_DOUBLE_EQ(metrics::mae(pred, target), 0.5);
  EXPECT_NEAR(metrics::r2(pred, target), 1.0 - 1.5 / 29.1875, 1e-12);
}

TEST(Metrics, R2AveragesOutputColumns) {
  // Column 0: SS_res = 1.25, SS_tot = 36.1667 -> 0.965438; column 1: SS_res = 3,
  // SS_tot = 32.6667 -> 0.908163; uniform average 0.936801 (scikit-learn's example).
  const Tensor target = Tensor::from({0.5f, 1, -1, 1, 7, -6}, {3, 2});
  const Tensor pred = Tensor::from({0, 2, -1, 2, 8, -5}, {3, 2});
  EXPECT_NEAR(metrics::r2(pred, target), 0.9368005266622779, 1e-7);
  // A constant target scores 1 when predicted exactly and 0 otherwise.
  EXPECT_DOUBLE_EQ(metrics::r2(Tensor::full({3}, 2.f), Tensor::full({3}, 2.f)), 1.0);
  EXPECT_DOUBLE_EQ(metrics::r2(Tensor::full({3}, 1.f), Tensor::full({3}, 2.f)), 0.0);
}

TEST(Metrics, AccumulatingOverBatchesEqualsOnePass) {
  const Tensor scores = Tensor::randn({50, 4}, 1);
  const Tensor labels = px::argmax(Tensor::randn({50, 4}, 2), 1);
  const Tensor pred = Tensor::randn({50, 2}, 3);
  const Tensor target = Tensor::randn({50, 2}, 4, 100.f, 0.5f);  // large mean, small spread
  for (const char* name : {"accuracy", "top2", "precision", "recall", "f1", "mse", "mae", "r2"}) {
    auto metric = metrics::make_metric(name);
    const bool regression = metric->higher_is_better() == false || std::string(name) == "r2";
    const Tensor& p = regression ? pred : scores;
    const Tensor& t = regression ? target : labels;
    for (int64_t begin : {0, 7, 30}) {
      const int64_t end = begin == 0 ? 7 : (begin == 7 ? 30 : 50);
      metric->update(p.slice_rows(begin, end), t.slice_rows(begin, end));
    }
    auto whole = metrics::make_metric(name);
    whole->update(p, t);
    EXPECT_NEAR(metric->result(), whole->result(), 1e-9) << name;
    metric->reset();
    EXPECT_TRUE(std::isnan(metric->result())) << name;
  }
}

TEST(Metrics, NamesAndDirections) {
  EXPECT_TRUE(metrics::higher_is_better("val_accuracy"));
  EXPECT_TRUE(metrics::higher_is_better("top3"));
  EXPECT_FALSE(metrics::higher_is_better("val_loss"));
  EXPECT_FALSE(metrics::higher_is_better("mae"));
  try {
    metrics::make_metric("auc");
    FAIL() << "no error";
  } catch (const px::Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown metric \"auc\""), std::string::npos);
  }
}

TEST(Metrics, BadTargetsAndShapesAreNamed) {
  try {
    metrics::accuracy(six_scores(), Tensor::from({0, 1, 3, 2, 1, 0}, {6}));
    FAIL() << "no error";
  } catch (const px::Error& e) {
    EXPECT_STREQ(e.what(), "accuracy: target 2 is 3, not a class index in [0, 3)");
  }
  try {
    metrics::mse(Tensor::zeros({4, 2}), Tensor::zeros({4}));
    FAIL() << "no error";
  } catch (const px::Error& e) {
    EXPECT_STREQ(e.what(), "mse: pred [4, 2] and targets [4] must hold the same values per row");
  }
  EXPECT_THROW(metrics::accuracy(six_scores(), Tensor::zeros({5})), px::Error);
}

TEST(Metrics, EvaluateGivesEveryClassificationScore) {
  // Confusion of y_true = [0, 1, 2, 2, 1, 0] against y_pred = [0, 2, 2, 2, 1, 1]:
  //   true 0: [1, 1, 0]   true 1: [0, 1, 1]   true 2: [0, 0, 2]
  // precision = diagonal / column sum = 1/1, 1/2, 2/3; recall = diagonal / row sum = 1/2, 1/2,
  // 2/2; F1 = 2pr / (p + r) = 2/3, 1/2, 4/5.
  const metrics::Scores s =
      metrics::evaluate(six_scores(), six_targets(), px::data::Task::classification);
  EXPECT_EQ(s.task, px::data::Task::classification);
  EXPECT_EQ(s.confusion, (std::vector<std::vector<int64_t>>{{1, 1, 0}, {0, 1, 1}, {0, 0, 2}}));
  EXPECT_DOUBLE_EQ(s.accuracy, 4.0 / 6.0);
  ASSERT_EQ(s.precision.size(), 3u);
  EXPECT_DOUBLE_EQ(s.precision[0], 1.0);
  EXPECT_DOUBLE_EQ(s.precision[1], 0.5);
  EXPECT_DOUBLE_EQ(s.precision[2], 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(s.recall[0], 0.5);
  EXPECT_DOUBLE_EQ(s.recall[1], 0.5);
  EXPECT_DOUBLE_EQ(s.recall[2], 1.0);
  EXPECT_NEAR(s.f1[0], 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(s.f1[1], 0.5, 1e-12);
  EXPECT_NEAR(s.f1[2], 0.8, 1e-12);
  EXPECT_EQ(s.support, (std::vector<int64_t>{2, 2, 2}));
  EXPECT_NEAR(s.macro_f1, (2.0 / 3.0 + 0.5 + 0.8) / 3.0, 1e-12);
  EXPECT_NEAR(s.macro_f1, metrics::f1(six_scores(), six_targets()), 1e-12);
  EXPECT_TRUE(s.actual.empty());
}

TEST(Metrics, ScoresAsTextAndJsonSayWhatEvaluateGave) {
  const metrics::Scores s =
      metrics::evaluate(six_scores(), six_targets(), px::data::Task::classification);
  const std::vector<std::string> classes = {"a", "b", "c"};
  EXPECT_EQ(metrics::scores_text(s, classes, false), "  accuracy 0.6667   macro F1 0.6556\n");
  const std::string details = metrics::scores_text(s, classes, true);
  EXPECT_NE(details.find("  c         0.6667  1.0000  0.8000        2"), std::string::npos)
      << details;
  EXPECT_NE(details.find("confusion matrix"), std::string::npos);
  const std::string short_json = metrics::scores_json(s, classes, false);
  EXPECT_NE(short_json.find("\"test_accuracy\":0.6666666666666666"), std::string::npos)
      << short_json;
  EXPECT_EQ(short_json.find("per_class"), std::string::npos);
  const std::string json = metrics::scores_json(s, classes, true);
  EXPECT_NE(json.find("\"confusion_matrix\":[[1,1,0],[0,1,1],[0,0,2]]"), std::string::npos) << json;
  EXPECT_NE(json.find("\"c\":{\"f1\":0.8"), std::string::npos) << json;
}

TEST(Metrics, EvaluateMacroF1SkipsAClassNeverSeenButReportsIt) {
  // Class 2 is neither a target nor predicted: its scores are 0 and it is left out of the mean.
  const Tensor scores = Tensor::from({2, 1, 0, 1, 2, 0, 1, 2, 0}, {3, 3});
  const metrics::Scores s =
      metrics::evaluate(scores, Tensor::from({0, 1, 0}, {3}), px::data::Task::classification);
  // class 0: p = 1/1, r = 1/2, F1 = 2/3; class 1: p = 1/2, r = 1/1, F1 = 2/3.
  EXPECT_EQ(s.support, (std::vector<int64_t>{2, 1, 0}));
  EXPECT_EQ(s.f1[2], 0.0);
  EXPECT_NEAR(s.macro_f1, 2.0 / 3.0, 1e-12);
}

TEST(Metrics, EvaluateGivesEveryRegressionScore) {
  // errors 0, -2, 1, -1: MSE 6/4, MAE 4/4; targets' mean 3, SS_tot 4+1+1+4 = 10, R2 = 1 - 6/10.
  const Tensor pred = Tensor::from({1, 2, 3, 4}, {4, 1});
  const Tensor targets = Tensor::from({1, 4, 2, 5}, {4, 1});
  const metrics::Scores s = metrics::evaluate(pred, targets, px::data::Task::regression);
  EXPECT_EQ(s.task, px::data::Task::regression);
  EXPECT_DOUBLE_EQ(s.mse, 1.5);
  EXPECT_DOUBLE_EQ(s.mae, 1.0);
  EXPECT_DOUBLE_EQ(s.r2, 0.4);
  EXPECT_EQ(s.predicted, (std::vector<double>{1, 2, 3, 4}));
  EXPECT_EQ(s.actual, (std::vector<double>{1, 4, 2, 5}));
  EXPECT_EQ(s.residuals(), (std::vector<double>{0, 2, -1, 1}));
  EXPECT_TRUE(s.confusion.empty());
}

TEST(Metrics, EvaluateOfNoRowsIsZero) {
  const metrics::Scores c =
      metrics::evaluate(Tensor::zeros({0, 3}), Tensor::zeros({0}), px::data::Task::classification);
  EXPECT_EQ(c.accuracy, 0.0);
  EXPECT_EQ(c.macro_f1, 0.0);
  EXPECT_EQ(c.confusion, (std::vector<std::vector<int64_t>>(3, std::vector<int64_t>(3, 0))));
  const metrics::Scores r =
      metrics::evaluate(Tensor::zeros({0, 1}), Tensor::zeros({0, 1}), px::data::Task::regression);
  EXPECT_EQ(r.mse, 0.0);
  EXPECT_EQ(r.r2, 0.0);
  EXPECT_TRUE(r.actual.empty());
}

TEST(Metrics, EvaluateNamesBadTargets) {
  try {
    metrics::evaluate(six_scores(), Tensor::from({0, 1, 2, 3, 1, 0}, {6}),
                      px::data::Task::classification);
    FAIL() << "expected an error";
  } catch (const px::Error& e) {
    EXPECT_NE(std::string(e.what()).find("evaluate: target 3 is 3"), std::string::npos) << e.what();
  }
}
