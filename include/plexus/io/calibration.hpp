// What a model file carries, besides its network, to turn outputs into decisions: a classifier's
// temperature (probabilities are softmax(outputs / T)) and a binary classifier's decision
// threshold, a regressor's held-out residuals for split-conformal intervals. Fitting them is
// train's (plexus/train/calibration.hpp); this is what they are and how a model applies them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace plexus::io {

struct Calibration {
  /// Classifiers: the probabilities are softmax(outputs / temperature); 1: the network's own.
  double temperature = 1.0;
  /// Binary classifiers: the second class is predicted when its probability is >= threshold
  /// (unset: the argmax, as for more classes).
  std::optional<double> threshold;
  /// How the threshold was chosen ("f1", "precision@0.9", "cost fp=1,fn=5").
  std::string threshold_rule;
  /// Regressors: |target - prediction| of the held-out rows, sorted ascending (empty: none).
  std::vector<double> residuals;

  bool empty() const { return temperature == 1.0 && !threshold && residuals.empty(); }
  /// As the JSON object of the model file's plexus.calibration key (docs/MODEL_FORMAT.md).
  std::string to_json() const;
  /// Reads to_json()'s text; errors start with `source`.
  static Calibration from_json(std::string_view text, std::string_view source);
};

/// Split conformal prediction: with n held-out residuals sorted ascending, the half-width of an
/// interval that covers a new row's target with probability >= level (rows exchangeable): the
/// k-th smallest residual, k = ceil((n + 1) * level). Infinity when k > n (too few residuals for
/// that level).
double conformal_quantile(const std::vector<double>& sorted_residuals, double level);

}  // namespace plexus::io
