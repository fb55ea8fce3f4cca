// Helpers shared by the loss files: argument checks, class-index validation and the reduction.
#pragma once

#include <cmath>
#include <cstddef>

#include "base/check.hpp"
#include "ops/loss.hpp"
#include "plexus/loss/loss.hpp"
#include "plexus/ops.hpp"

namespace plexus::loss::detail {

inline void require_defined(const char* loss, const char* what, const Tensor& t) {
  PLEXUS_CHECK(t.defined(), loss, ": ", what, " is an empty tensor (default-constructed)");
}

/// pred and target must have one shape: a loss never broadcasts silently.
inline void require_same_shape(const char* loss, const char* what, const Tensor& input,
                               const Tensor& target) {
  require_defined(loss, what, input);
  require_defined(loss, "target", target);
  PLEXUS_CHECK(input.shape() == target.shape(), loss, ": ", what, " ", input.shape(),
               " and target ", target.shape(), " differ");
}

using ops::class_index;

/// logits / log_probs must be [B, C] with C > 0; returns C.
inline size_t require_batch_of_classes(const char* loss, const char* what, const Tensor& input) {
  require_defined(loss, what, input);
  PLEXUS_CHECK(input.rank() == 2 && input.shape(1) > 0, loss, ": ", what, " ", input.shape(),
               " must be [B, C] (a batch of rows of C class scores)");
  return static_cast<size_t>(input.shape(1));
}

/// Class weights, if given, must be [C].
inline void require_class_weight(const char* loss, const Tensor& weight, size_t classes) {
  if (!weight.defined()) return;
  PLEXUS_CHECK(weight.rank() == 1 && static_cast<size_t>(weight.shape(0)) == classes, loss,
               ": class weight ", weight.shape(), " must be [", classes, "], one per class");
}

/// Row weights, if given, must be [rows] and finite non-negative numbers.
inline void require_sample_weight(const char* loss, const Tensor& weight, size_t rows) {
  if (!weight.defined()) return;
  PLEXUS_CHECK(weight.rank() == 1 && static_cast<size_t>(weight.shape(0)) == rows, loss,
               ": sample weight ", weight.shape(), " must be [", rows, "], one per row");
  const float* w = weight.data();
  for (size_t i = 0; i < rows; ++i)
    PLEXUS_CHECK(std::isfinite(w[i]) && w[i] >= 0.0f, loss, ": sample weight ", w[i], " at row ", i,
                 " is not a finite non-negative number");
}

/// sum of the row weights, where 0 counts as 1: a batch of rows weighted 0 gives 0, not NaN.
inline double weight_total(const Tensor& weight) {
  double total = 0.0;
  for (size_t i = 0; i < weight.numel(); ++i) total += weight.data()[i];
  return total > 0.0 ? total : 1.0;
}

/// The mean, the sum, or the per-element losses themselves.
inline Tensor reduce(const Tensor& losses, Reduction reduction) {
  switch (reduction) {
    case Reduction::mean:
      return mean(losses);
    case Reduction::sum:
      return sum(losses);
    case Reduction::none:
      return losses;
  }
  ::plexus::detail::throw_error("loss: unknown reduction ", static_cast<int>(reduction));
}

}  // namespace plexus::loss::detail
