// Calibration fitted on held-out rows after training: a classifier's temperature (Guo et al.,
// 2017), a binary classifier's decision threshold for a metric or a cost matrix, a regressor's
// residuals for split-conformal intervals. What the model file stores and how predictions apply
// it is io::Calibration (plexus/io/calibration.hpp).
//
//   auto held_out = px::io::forward_in_batches(trained.network, data.x_validation);
//   auto fitted = px::train::calibrate(held_out, data.y_validation, data.task, {});
//   info.calibration = fitted.calibration;
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "plexus/data/tabular.hpp"
#include "plexus/io/calibration.hpp"
#include "plexus/tensor/tensor.hpp"

namespace plexus::train {

// B = rows. Logits [B, C] (or one column of binary logits [B] / [B, 1]), targets class indices [B].

/// Mean negative log-likelihood of softmax(logits / temperature) (one column: sigmoid), in double.
double temperature_nll(const Tensor& logits, const Tensor& targets, double temperature);
/// The range fit_temperature searches.
inline constexpr double kMinTemperature = 0.05, kMaxTemperature = 20;
/// The temperature in [kMinTemperature, kMaxTemperature] that minimises temperature_nll:
/// golden-section search on log T (the NLL is convex in 1 / T, so it has one minimum on that
/// range). NOTE: logits that classify every row right have no minimum (the NLL falls as T -> 0):
/// the search ends at the range's lower edge.
double fit_temperature(const Tensor& logits, const Tensor& targets);

/// How a binary classifier's threshold is chosen: for a metric on the held-out rows, or for the
/// least cost. Class 1 (the second class) is the positive one.
struct ThresholdRule {
  enum class Kind { f1, balanced_accuracy, precision_at_recall, recall_at_precision, cost };
  Kind kind = Kind::f1;
  /// precision_at_recall: the recall to reach; recall_at_precision: the precision to reach.
  double level = 0;
  double cost_fp = 0, cost_fn = 0, cost_tp = 0, cost_tn = 0;  ///< cost: per row
  std::string text;  ///< as given: "f1", "precision@0.8", "cost fp=1,fn=5"
};
/// "f1", "balanced_accuracy", "precision@R" (the best precision with recall >= R) or
/// "recall@P" (the best recall with precision >= P), R and P in (0, 1]. Throws naming the
/// choices otherwise.
ThresholdRule threshold_rule(std::string_view text);
/// A cost matrix "fp=1,fn=5": the cost of a false positive, false negative (and tp=, tn=;
/// unnamed ones cost 0); the threshold minimises the total cost.
ThresholdRule cost_rule(std::string_view text);

struct ThresholdChoice {
  double threshold = 0.5;  ///< class 1 where P(class 1) >= threshold
  double value = 0;        ///< the rule's metric there (cost: mean cost per row)
  bool reached = true;     ///< false: no threshold met the rule's level; the closest was taken
};
/// The threshold on `positive` [B] (P(class 1) per row) that serves `rule` best on these rows:
/// the rows sorted by probability, each cut between two distinct probabilities tried.
ThresholdChoice choose_threshold(const Tensor& positive, const Tensor& targets,
                                 const ThresholdRule& rule);

struct CalibrationOptions {
  bool temperature = true;                 ///< fit a temperature (classifiers)
  std::optional<ThresholdRule> threshold;  ///< choose a threshold (binary classifiers)
};

/// What calibrate() fitted, and what it measured doing so.
struct CalibrationResult {
  io::Calibration calibration;
  size_t rows = 0;
  /// Classifiers with options.temperature: the fitted T, the held-out NLL at T = 1 and at T; T
  /// is kept (calibration.temperature) only when it lowers the NLL and lies inside the searched
  /// range (at its edge the NLL had no minimum: no evidence for any one T).
  double fitted_temperature = 1, nll_before = 0, nll_after = 0;
  bool temperature_at_edge = false, temperature_kept = false;
  std::optional<ThresholdChoice> threshold;
  /// Lines for the command to print: what was fitted, on how many rows, and the rule.
  std::string text() const;
};
/// Fits on held-out `outputs` (the network's, [B, K]) and their targets: a classifier's
/// temperature, then its threshold on the calibrated probabilities; a regressor's sorted absolute
/// residuals of the first output.
CalibrationResult calibrate(const Tensor& outputs, const Tensor& targets, data::Task task,
                            const CalibrationOptions& options);

}  // namespace plexus::train
