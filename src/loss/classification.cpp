// Multi-class losses on logits [B, C] (B = batch size, C = number of classes). cross_entropy is
// the fused op of ops/loss.cpp, the hot path of classification training. nll and multi_margin
// are compositions of differentiable ops, gathering each row's target entry with
// index_rows on the flattened [B * C, 1] view.
#include <algorithm>
#include <cmath>
#include <vector>

#include "loss/common.hpp"
#include "ops/loss.hpp"
#include "plexus/ops/activation.hpp"

namespace plexus::loss {

using detail::class_index;

namespace {

// The rows' class indices, checked, and their positions in the flattened [B * C] logits.
struct Picks {
  std::vector<int64_t> flat;  // i * C + target_i
  std::vector<size_t> index;  // target_i
};

Picks pick_targets(const char* loss, const Tensor& scores, const Tensor& targets, size_t classes) {
  const auto rows = static_cast<size_t>(scores.shape(0));
  detail::require_defined(loss, "targets", targets);
  PLEXUS_CHECK(targets.rank() == 1 && static_cast<size_t>(targets.shape(0)) == rows, loss,
               ": targets ", targets.shape(), " must be [", rows, "], one class index per row of ",
               scores.shape());
  Picks picks;
  for (size_t i = 0; i < rows; ++i) {
    const size_t y = class_index(loss, targets.data()[i], i, classes);
    picks.index.push_back(y);
    picks.flat.push_back(static_cast<int64_t>(i * classes + y));
  }
  return picks;
}

// The target entry of each row: [B, C] -> [B], differentiable.
Tensor gather_targets(const Tensor& scores, const Picks& picks) {
  const int64_t rows = scores.shape(0);
  return index_rows(scores.reshape({-1, 1}), picks.flat).reshape({rows});
}

}  // namespace

Tensor cross_entropy(const Tensor& logits, const Tensor& targets, Reduction reduction) {
  return cross_entropy(logits, targets, CrossEntropyOptions{.reduction = reduction});
}

// The fused op (ops/loss.cpp) after the checks: targets [B] (class indices) or [B, C].
Tensor cross_entropy(const Tensor& logits, const Tensor& targets,
                     const CrossEntropyOptions& options) {
  const char* name = "cross_entropy";
  const size_t classes = detail::require_batch_of_classes(name, "logits", logits);
  const auto rows = static_cast<size_t>(logits.shape(0));
  detail::require_defined(name, "targets", targets);
  const bool probability_targets = targets.shape() == logits.shape();
  PLEXUS_CHECK(
      probability_targets || (targets.rank() == 1 && static_cast<size_t>(targets.shape(0)) == rows),
      name, ": targets ", targets.shape(), " fit neither [", rows, "] (class indices) nor ",
      logits.shape(), " (class probabilities) for logits ", logits.shape());
  detail::require_class_weight(name, options.weight, classes);
  detail::require_sample_weight(name, options.sample_weight, rows);
  const float eps = options.label_smoothing;
  PLEXUS_CHECK(eps >= 0.0f && eps <= 1.0f, name, ": label_smoothing must be in [0, 1], got ", eps);

  return ops::cross_entropy(logits, targets,
                            {.weight = options.weight,
                             .sample_weight = options.sample_weight,
                             .label_smoothing = eps,
                             .reduction = options.reduction});
}

Tensor nll(const Tensor& log_probs, const Tensor& targets, Reduction reduction) {
  return nll(log_probs, targets, NllOptions{.reduction = reduction});
}

// -s_i w_y log_probs[i, y] per row; mean divides by sum_i s_i w_{y_i}
Tensor nll(const Tensor& log_probs, const Tensor& targets, const NllOptions& options) {
  const size_t classes = detail::require_batch_of_classes("nll", "log_probs", log_probs);
  detail::require_class_weight("nll", options.weight, classes);
  const Picks picks = pick_targets("nll", log_probs, targets, classes);
  detail::require_sample_weight("nll", options.sample_weight, picks.index.size());
  Tensor losses = -gather_targets(log_probs, picks);
  float denominator = static_cast<float>(picks.index.size());
  if (options.weight.defined() || options.sample_weight.defined()) {
    Tensor row_weight = Tensor::empty({static_cast<int64_t>(picks.index.size())});
    for (size_t i = 0; i < picks.index.size(); ++i)
      row_weight.data()[i] =
          (options.weight.defined() ? options.weight.data()[picks.index[i]] : 1.0f) *
          (options.sample_weight.defined() ? options.sample_weight.data()[i] : 1.0f);
    losses = losses * row_weight;
    denominator = static_cast<float>(detail::weight_total(row_weight));
  }
  if (options.reduction == Reduction::mean) return sum(losses) / denominator;
  return detail::reduce(losses, options.reduction);
}

Tensor multi_margin(const Tensor& logits, const Tensor& targets, Reduction reduction) {
  return multi_margin(logits, targets, MultiMarginOptions{.reduction = reduction});
}

// sum_{j != y} w_y max(0, margin - x_y + x_j)^p / C per row; mean divides by B
Tensor multi_margin(const Tensor& logits, const Tensor& targets,
                    const MultiMarginOptions& options) {
  const size_t classes = detail::require_batch_of_classes("multi_margin", "logits", logits);
  PLEXUS_CHECK(options.p == 1 || options.p == 2, "multi_margin: p must be 1 or 2, got ", options.p);
  detail::require_class_weight("multi_margin", options.weight, classes);
  const Picks picks = pick_targets("multi_margin", logits, targets, classes);
  const int64_t rows = logits.shape(0);
  // Zero at each row's target class (its term is not part of the sum), w_y / C elsewhere.
  Tensor scale = Tensor::empty(logits.shape());
  for (size_t i = 0; i < picks.index.size(); ++i) {
    const size_t y = picks.index[i];
    const float wy = options.weight.defined() ? options.weight.data()[y] : 1.0f;
    for (size_t c = 0; c < classes; ++c)
      scale.data()[i * classes + c] = c == y ? 0.0f : wy / static_cast<float>(classes);
  }
  const Tensor target_scores = gather_targets(logits, picks).reshape({rows, 1});
  Tensor hinge = relu(logits - target_scores + options.margin);
  if (options.p == 2) hinge = square(hinge);
  return detail::reduce(sum(hinge * scale, 1), options.reduction);
}

}  // namespace plexus::loss
