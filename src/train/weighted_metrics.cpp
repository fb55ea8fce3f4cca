// The weighted scores: each row counts as often as its weight says, as in the weighted loss.
#include "plexus/train/weighted_metrics.hpp"

#include <cmath>

#include "base/check.hpp"
#include "plexus/train/metrics.hpp"

namespace plexus::metrics {
namespace {

size_t checked_rows(const char* metric, const Tensor& pred, const Tensor& targets,
                    const Tensor& weights) {
  PLEXUS_CHECK(pred.defined() && targets.defined() && weights.defined() && pred.rank() >= 1, metric,
               ": predictions, targets and weights must be defined");
  const auto rows = static_cast<size_t>(pred.shape(0));
  PLEXUS_CHECK(weights.numel() == rows && static_cast<size_t>(targets.shape(0)) == rows, metric,
               ": ", rows, " predictions, ", targets.shape(0), " targets and ", weights.numel(),
               " weights differ");
  return rows;
}

}  // namespace

double weighted_accuracy(const Tensor& outputs, const Tensor& targets, const Tensor& weights) {
  const size_t rows = checked_rows("weighted_accuracy", outputs, targets, weights);
  const Tensor predicted = predicted_classes(outputs);
  double hits = 0, total = 0;
  for (size_t i = 0; i < rows; ++i) {
    const double w = weights.data()[i];
    total += w;
    if (predicted.data()[i] == targets.data()[i]) hits += w;
  }
  return total > 0 ? hits / total : 0.0;
}

double weighted_rmse(const Tensor& pred, const Tensor& targets, const Tensor& weights) {
  const size_t rows = checked_rows("weighted_rmse", pred, targets, weights);
  PLEXUS_CHECK(pred.numel() == targets.numel(), "weighted_rmse: predictions ", pred.shape(),
               " and targets ", targets.shape(), " differ");
  const size_t per_row = rows == 0 ? 1 : pred.numel() / rows;
  double sum = 0, total = 0;
  for (size_t i = 0; i < rows; ++i) {
    const double w = weights.data()[i];
    total += w;
    for (size_t k = 0; k < per_row; ++k) {
      const double e = pred.data()[i * per_row + k] - targets.data()[i * per_row + k];
      sum += w * e * e;
    }
  }
  return total > 0 ? std::sqrt(sum / (total * static_cast<double>(per_row))) : 0.0;
}

}  // namespace plexus::metrics
