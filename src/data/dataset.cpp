// Dataset: checks that features, targets and weights agree on the number of samples.
#include "plexus/data/dataset.hpp"

#include <cmath>

#include "base/check.hpp"
#include "plexus/ops.hpp"

namespace plexus::data {

Dataset::Dataset(Tensor features, Tensor targets, Tensor weights) {
  PLEXUS_CHECK(features.defined() && targets.defined(),
               "Dataset: features and targets must both be defined tensors");
  PLEXUS_CHECK(features.rank() >= 1 && targets.rank() >= 1 && targets.rank() <= 2,
               "Dataset: features ", features.shape(), " must be [N, F] and targets ",
               targets.shape(), " must be [N] or [N, K]");
  PLEXUS_CHECK(features.shape(0) == targets.shape(0), "Dataset: features ", features.shape(),
               " and targets ", targets.shape(), " disagree on the number of samples (",
               features.shape(0), " != ", targets.shape(0), ")");
  if (weights.defined()) {
    PLEXUS_CHECK(weights.rank() == 1 && weights.shape(0) == features.shape(0), "Dataset: weights ",
                 weights.shape(), " must be [", features.shape(0), "], one per sample");
    for (size_t i = 0; i < weights.numel(); ++i)
      PLEXUS_CHECK(std::isfinite(weights.data()[i]) && weights.data()[i] >= 0.0f,
                   "Dataset: weight ", weights.data()[i], " of sample ", i,
                   " is not a finite non-negative number");
    weights_ = weights.detach();
  }
  features_ = features.detach();
  targets_ = targets.detach();
  size_ = static_cast<size_t>(features.shape(0));
}

Dataset Dataset::subset(std::span<const int64_t> indices) const {
  return Dataset(index_rows(features_, indices), index_rows(targets_, indices),
                 weights_.defined() ? index_rows(weights_, indices) : Tensor());
}

}  // namespace plexus::data
