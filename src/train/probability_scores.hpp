// The scores of probabilities and intervals that metrics::evaluate adds to accuracy and F1 (or
// MSE and R2): log-loss, Brier, calibration error; conformal interval coverage.
#pragma once

#include "plexus/io/calibration.hpp"
#include "plexus/tensor/tensor.hpp"
#include "plexus/train/metrics.hpp"

namespace plexus::metrics {

/// softmax(outputs / temperature) per row for outputs [N, C]; for one column of logits [N] or
/// [N, 1], sigmoid(outputs / temperature) = P(class 1), [N].
Tensor calibrated_probabilities(const Tensor& outputs, double temperature);
/// Sets scores.log_loss, brier and ece from probabilities as calibrated_probabilities gives.
void add_probability_scores(const Tensor& probabilities, const Tensor& targets, Scores& scores);
/// Sets scores.interval_level, interval_coverage and interval_width when `calibration` holds
/// residuals; outputs and targets [N, 1] or [N] (the first output of [N, K]).
/// Sets scores.quantiles, pinball, quantile_coverage and quantile_width: outputs [N, Q] at the
/// levels `quantiles`, targets [N, 1] or [N].
void add_quantile_scores(const Tensor& outputs, const Tensor& targets,
                         const std::vector<double>& quantiles, Scores& scores);
/// The column [N, 1] of outputs [N, Q] whose level is nearest 0.5: a quantile regressor's point
/// prediction for mse, mae and r2.
Tensor middle_quantile(const Tensor& outputs, const std::vector<double>& quantiles);
void add_interval_scores(const Tensor& outputs, const Tensor& targets,
                         const io::Calibration& calibration, Scores& scores);

}  // namespace plexus::metrics
