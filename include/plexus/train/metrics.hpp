// Metrics: numbers that judge predictions, for reports and for fit's history. They read values
// only (no autograd) and are never minimised directly; losses are in plexus/loss/loss.hpp.
//   classification: accuracy, top-k accuracy, confusion matrix, macro precision / recall / F1;
//                   of probabilities: log-loss, Brier score, expected calibration error
//   regression:     MSE, MAE, R^2
// Each is a plain function of (pred, targets) and an accumulating Metric object that fit feeds
// batch by batch, so an epoch's value is exact (not an average of per-batch values). evaluate()
// gives every score of a test set at once, per class too, as `plexus eval` prints them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/data/tabular.hpp"
#include "plexus/io/calibration.hpp"
#include "plexus/tensor/tensor.hpp"

namespace plexus::metrics {

// B = batch size, C = classes, K = regression outputs.
// Classification scores are [B, C] logits or probabilities (the class is the argmax), or for a
// binary task one column [B] / [B, 1] of probabilities of class 1 (class 1 where score >
// threshold; pass threshold 0 for logits). Targets are class indices [B] (floats holding
// integers) or one-hot / probability rows [B, C] (the class is the argmax).

/// Predicted class indices [B] (as floats) from scores, by the rules above.
Tensor predicted_classes(const Tensor& scores, float threshold = 0.5f);
/// Fraction of rows whose predicted class is the target class.
double accuracy(const Tensor& scores, const Tensor& targets, float threshold = 0.5f);
/// Fraction of rows whose target class is among the k highest scores (ties count in its favour:
/// a row is a hit when fewer than k classes score strictly higher). scores: [B, C].
double top_k_accuracy(const Tensor& scores, const Tensor& targets, size_t k);
/// [C, C] counts: entry (i, j) is the number of rows of true class i predicted as class j
/// (scikit-learn's layout). C is the number of score columns (2 for one column).
Tensor confusion_matrix(const Tensor& scores, const Tensor& targets, float threshold = 0.5f);
/// Macro averages over the classes that occur in the targets or the predictions, as
/// scikit-learn's average="macro"; a class with a zero denominator counts as 0.
double precision(const Tensor& scores, const Tensor& targets, float threshold = 0.5f);
double recall(const Tensor& scores, const Tensor& targets, float threshold = 0.5f);
double f1(const Tensor& scores, const Tensor& targets, float threshold = 0.5f);

// Of probabilities: [B, C] rows that sum to 1, or one column [B] / [B, 1] of P(class 1); targets
// as above. What scikit-learn calls log_loss, and the Brier score and calibration error of Guo et
// al. (2017).
/// Mean of -log p(true class), p clipped below at 1e-15 (scikit-learn's log_loss).
double log_loss(const Tensor& probabilities, const Tensor& targets);
/// Mean over rows of sum over classes (p_c - [c is the true class])^2: in [0, 2]. For two classes
/// twice scikit-learn's brier_score_loss, which scores P(class 1) alone.
double brier_score(const Tensor& probabilities, const Tensor& targets);
inline constexpr size_t kCalibrationBins = 15;
/// Expected calibration error: the rows binned by confidence (the largest probability) into
/// `bins` equal-width bins (i/bins, (i+1)/bins]; sum over bins of rows/B * |accuracy -
/// mean confidence|, the prediction being the most probable class.
double expected_calibration_error(const Tensor& probabilities, const Tensor& targets,
                                  size_t bins = kCalibrationBins);

// Regression: pred and targets hold the same values per row ([B, K], or [B] against [B, 1]).
double mse(const Tensor& pred, const Tensor& targets);  ///< mean of (pred - target)^2
double mae(const Tensor& pred, const Tensor& targets);  ///< mean of |pred - target|
/// 1 - SS_res / SS_tot per output column, averaged over columns (scikit-learn's
/// "uniform_average"); a constant column scores 1 if predicted exactly, else 0.
double r2(const Tensor& pred, const Tensor& targets);

/// The rows of one confidence bin: their mean confidence (largest probability) and the fraction
/// whose most probable class is right; a reliability diagram plots one against the other.
struct ReliabilityBin {
  double confidence = 0, accuracy = 0;
  size_t rows = 0;
};

/// Every score of one set of predictions: scikit-learn's classification_report and
/// confusion_matrix for a classifier, mean_squared_error, mean_absolute_error and r2_score for a
/// regressor. The fields of the other task stay empty or zero.
struct Scores {
  data::Task task = data::Task::classification;
  // classification
  double accuracy = 0, macro_f1 = 0;          ///< macro F1 over the classes present, as macro f1()
  std::vector<double> precision, recall, f1;  ///< per class; 0 where the denominator is 0
  std::vector<int64_t> support;               ///< rows of each true class
  std::vector<std::vector<int64_t>> confusion;  ///< rows: true class, columns: predicted
  /// Of the (calibrated) probabilities; ece over ece_bins equal-width bins.
  double log_loss = 0, brier = 0, ece = 0;
  size_t ece_bins = kCalibrationBins;
  std::vector<ReliabilityBin> reliability;  ///< ece_bins bins, lowest confidence first
  std::optional<double> threshold;  ///< a binary classifier's decision threshold, when it has one
  // regression
  double mse = 0, mae = 0, r2 = 0;
  std::vector<double> predicted, actual;  ///< one value per row, for plots
  /// With held-out residuals: the conformal interval at interval_level (0: none), the fraction of
  /// rows inside it and its width.
  double interval_level = 0, interval_coverage = 0, interval_width = 0;
  /// A quantile regressor's levels (empty: none); its mean pinball loss over rows and levels, and
  /// the fraction of rows inside its outermost quantiles [q_first, q_last] and their mean width.
  /// mse, mae and r2 then score the quantile whose level is nearest 0.5.
  std::vector<double> quantiles;
  double pinball = 0, quantile_coverage = 0, quantile_width = 0;

  /// actual - predicted per row, for a residual plot (empty for a classifier).
  std::vector<double> residuals() const;
};
/// The conformal level evaluate() checks intervals at.
inline constexpr double kIntervalLevel = 0.9;
/// The scores of `outputs` against `targets`. Classification: outputs [N, C] logits (the class is
/// the argmax; the probabilities softmax(outputs / calibration.temperature); a binary
/// classifier's calibration.threshold decides instead of the argmax), targets class indices [N]
/// or [N, 1]. Regression: outputs and targets [N, 1] or [N]; with calibration.residuals, the
/// coverage of kIntervalLevel intervals. With no rows every score is 0.
/// With `quantiles` (a quantile regressor's levels, outputs [N, Q]): the pinball loss and the
/// coverage of the outermost quantiles too.
Scores evaluate(const Tensor& outputs, const Tensor& targets, data::Task task,
                const io::Calibration& calibration = {}, const std::vector<double>& quantiles = {});
/// The scores as plexus train and eval print them: accuracy and macro F1 (or MSE, MAE and R2);
/// with `details`, the per-class table and the confusion matrix (what scikit-learn's
/// classification_report and confusion_matrix show).
std::string scores_text(const Scores& scores, const std::vector<std::string>& classes,
                        bool details);
/// The calibration line train and eval print: log-loss, Brier and ECE (with its bin count), or
/// a regressor's interval coverage; empty when there is nothing to say.
std::string calibration_text(const Scores& scores);
/// The scores as a JSON object (text): test_accuracy and test_macro_f1 (or test_mse, test_mae and
/// test_r2); test_log_loss, test_brier, test_ece and ece_bins (and threshold, when set), or
/// test_interval_coverage and interval_level; with `details`, also classes, confusion_matrix and
/// per_class.
std::string scores_json(const Scores& scores, const std::vector<std::string>& classes,
                        bool details);

/// An accumulating metric: reset(), then update() once per batch, then result().
class Metric {
 public:
  virtual ~Metric() = default;
  /// The name in logs and history ("accuracy"); validation values get the prefix "val_".
  virtual std::string name() const = 0;
  /// Whether larger is better (EarlyStopping's mode "auto" reads it).
  virtual bool higher_is_better() const = 0;
  virtual void reset() = 0;
  virtual void update(const Tensor& pred, const Tensor& targets) = 0;
  /// The value over every row seen since reset(); NaN before any.
  virtual double result() const = 0;
  virtual std::unique_ptr<Metric> clone() const = 0;
};

class Accuracy : public Metric {
 public:
  explicit Accuracy(float threshold = 0.5f) : threshold_(threshold) {}
  std::string name() const override { return "accuracy"; }
  bool higher_is_better() const override { return true; }
  void reset() override { correct_ = total_ = 0; }
  void update(const Tensor& pred, const Tensor& targets) override;
  double result() const override;
  std::unique_ptr<Metric> clone() const override { return std::make_unique<Accuracy>(*this); }

 private:
  float threshold_;
  size_t correct_ = 0, total_ = 0;
};

class TopKAccuracy : public Metric {
 public:
  explicit TopKAccuracy(size_t k);
  std::string name() const override { return "top" + std::to_string(k_); }
  bool higher_is_better() const override { return true; }
  void reset() override { hits_ = total_ = 0; }
  void update(const Tensor& pred, const Tensor& targets) override;
  double result() const override;
  std::unique_ptr<Metric> clone() const override { return std::make_unique<TopKAccuracy>(*this); }

 private:
  size_t k_;
  size_t hits_ = 0, total_ = 0;
};

/// Accumulates a confusion matrix; reports macro precision, recall or F1 from it.
class ClassificationReport : public Metric {
 public:
  enum class Score { precision, recall, f1 };
  explicit ClassificationReport(Score score, float threshold = 0.5f)
      : score_(score), threshold_(threshold) {}
  std::string name() const override;
  bool higher_is_better() const override { return true; }
  void reset() override;
  void update(const Tensor& pred, const Tensor& targets) override;
  double result() const override;
  std::unique_ptr<Metric> clone() const override {
    return std::make_unique<ClassificationReport>(*this);
  }
  /// [C, C] counts so far (rows: true class, columns: predicted class).
  Tensor confusion_matrix() const;

 private:
  Score score_;
  float threshold_;
  size_t classes_ = 0;
  std::vector<size_t> counts_;  // classes_ x classes_, row-major
};

/// Mean squared or mean absolute error over every element.
class MeanError : public Metric {
 public:
  enum class Kind { squared, absolute };
  explicit MeanError(Kind kind) : kind_(kind) {}
  std::string name() const override { return kind_ == Kind::squared ? "mse" : "mae"; }
  bool higher_is_better() const override { return false; }
  void reset() override { sum_ = 0, count_ = 0; }
  void update(const Tensor& pred, const Tensor& targets) override;
  double result() const override;
  std::unique_ptr<Metric> clone() const override { return std::make_unique<MeanError>(*this); }

 private:
  Kind kind_;
  double sum_ = 0;
  size_t count_ = 0;
};

/// R^2 per column, merged across batches with Chan's update of the mean and the sum of squares.
class R2 : public Metric {
 public:
  std::string name() const override { return "r2"; }
  bool higher_is_better() const override { return true; }
  void reset() override;
  void update(const Tensor& pred, const Tensor& targets) override;
  double result() const override;
  std::unique_ptr<Metric> clone() const override { return std::make_unique<R2>(*this); }

 private:
  size_t rows_ = 0;
  std::vector<double> mean_, ss_tot_, ss_res_;  // per column
};

/// The metric called `name`: "accuracy", "top5" (any "top<k>"), "precision", "recall", "f1",
/// "mse", "mae", "r2". Throws listing the known names otherwise.
std::unique_ptr<Metric> make_metric(std::string_view name);
/// top_k(5) is the metric "top5".
inline TopKAccuracy top_k(size_t k) { return TopKAccuracy(k); }
/// Whether larger values of the logged quantity `name` are better: false for losses ("loss",
/// "val_loss") and error metrics, true for accuracy-like metrics ("val_accuracy").
bool higher_is_better(std::string_view name);

/// A metric given by name or as an object, for fit's options: {"accuracy", px::metrics::top_k(3)}.
class MetricRef {
 public:
  MetricRef(const char* name) : prototype_(make_metric(name)) {}
  MetricRef(const std::string& name) : prototype_(make_metric(name)) {}
  MetricRef(const Metric& metric) : prototype_(metric.clone()) {}
  /// A fresh accumulator of this metric.
  std::unique_ptr<Metric> make() const { return prototype_->clone(); }
  std::string name() const { return prototype_->name(); }

 private:
  std::shared_ptr<const Metric> prototype_;
};

}  // namespace plexus::metrics
