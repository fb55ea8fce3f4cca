// px::data::Dataset: a labelled data set held in memory, features and targets row by row.
// It only holds and checks the tensors; batching is DataLoader's job (data/loader.hpp) and
// splitting is train_validation_split's (data/split.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "plexus/tensor/tensor.hpp"

namespace plexus::data {

// N = samples, F = features, K = target columns (regression outputs or one-hot classes)
class Dataset {
 public:
  Dataset() = default;
  /// features: [N, F] (any rank >= 1, rows along dimension 0); targets: [N] (class indices or
  /// values) or [N, K]; weights: empty, or [N] finite non-negative sample weights (the loss's
  /// weighted mean: a sample weighted 2 counts twice). All are kept outside the autograd graph;
  /// they share the callers' data.
  Dataset(Tensor features, Tensor targets, Tensor weights = {});

  /// N, the number of samples.
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const Tensor& features() const { return features_; }
  const Tensor& targets() const { return targets_; }
  /// [N], or empty when every sample weighs 1.
  const Tensor& weights() const { return weights_; }

  /// A new data set of the rows at `indices`, in that order (a copy).
  Dataset subset(std::span<const int64_t> indices) const;

 private:
  Tensor features_;
  Tensor targets_;
  Tensor weights_;
  size_t size_ = 0;
};

}  // namespace plexus::data
