// The fused loss ops, recorded with hand-written backwards: the hot paths of training, and the
// losses whose exact PyTorch gradient no composition gives. Internal: the public losses in
// loss/ check their arguments and call these (plexus/loss/loss.hpp documents each).
#pragma once

#include <cmath>
#include <cstddef>

#include "base/check.hpp"
#include "plexus/ops/reduce.hpp"
#include "plexus/tensor/tensor.hpp"

namespace plexus::ops {

/// The class index that `value` (row `row` of the targets) stands for; throws, naming `loss`,
/// unless it is an integer in [0, classes).
inline size_t class_index(const char* loss, float value, size_t row, size_t classes) {
  PLEXUS_CHECK(value == std::floor(value) && value >= 0.0f && value < static_cast<float>(classes),
               loss, ": target ", value, " at row ", row, " is not a class index in [0, ", classes,
               ") for ", classes, " classes");
  return static_cast<size_t>(value);
}

/// scale * sum_i s_i sum_k (pred - target)_ik^2, a scalar; pred and target defined and of one
/// shape [B, ...]; sample_weight empty (all 1) or [B], one per row.
Tensor mse(const Tensor& pred, const Tensor& target, float scale, const Tensor& sample_weight = {});

/// Per-element -(t log p + (1 - t) log(1 - p)), logs clamped at -100; probs in [0, 1].
Tensor binary_cross_entropy(const Tensor& probs, const Tensor& target);

/// Per-element (1 - t) x + w log(1 + e^-x), w = 1 + (pw - 1) t; pos_weight is empty or already
/// broadcast to the logits' shape.
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target,
                                        const Tensor& pos_weight);

struct CrossEntropyArgs {
  Tensor weight;         ///< [C] class weights, or empty
  Tensor sample_weight;  ///< [B] row weights (non-negative), or empty
  float label_smoothing = 0.0f;
  Reduction reduction = Reduction::mean;
};

/// logits [B, C]; targets [B] class indices (checked here) or [B, C] probabilities.
Tensor cross_entropy(const Tensor& logits, const Tensor& targets, const CrossEntropyArgs& args);

}  // namespace plexus::ops
