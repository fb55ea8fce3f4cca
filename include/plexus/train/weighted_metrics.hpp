// Scores weighted by each row's sample weight (a weight column): a classifier's weighted accuracy,
// a regressor's weighted RMSE. plexus train adds them to the test scores when the test rows have
// weights; every other score (metrics.hpp) stays unweighted.
#pragma once

#include "plexus/tensor/tensor.hpp"

namespace plexus::metrics {

// N = rows, C = classes, K = regression outputs; weights [N], finite and non-negative.

/// sum_i w_i [predicted class_i == target_i] / sum_i w_i: outputs [N, C] scores (the class is the
/// argmax), targets class indices [N]. 0 when the weights sum to 0.
double weighted_accuracy(const Tensor& outputs, const Tensor& targets, const Tensor& weights);
/// sqrt(sum_i w_i sum_k (pred_ik - target_ik)^2 / (K sum_i w_i)): pred and targets [N, K] (or [N]
/// against [N, 1]). 0 when the weights sum to 0.
double weighted_rmse(const Tensor& pred, const Tensor& targets, const Tensor& weights);

}  // namespace plexus::metrics
