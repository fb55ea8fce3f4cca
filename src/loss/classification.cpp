// Multi-class losses on logits [B, C] (B = batch size, C = number of classes). cross_entropy is
// one fused op, the hot path of classification training: log-softmax and the negative
// log-likelihood in one pass, and (softmax - target) straight into the logits' gradient. nll and
// multi_margin are compositions of differentiable ops, gathering each row's target entry with
// index_rows on the flattened [B * C, 1] view.
#include <algorithm>
#include <cmath>
#include <vector>

#include "autograd/graph.hpp"
#include "loss/common.hpp"
#include "plexus/activation.hpp"

namespace plexus::loss {

using autograd::BackwardContext;
using autograd::Op;
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

// softmax of one row of n logits into p; returns m = max and log sum_c e^(x_c - m), so that
// log_softmax = (x - m) - log_sum.  NOTE: subtracting m keeps exp finite at logits of +-1000.
struct RowStats {
  float max, log_sum;
};

RowStats softmax_row(const float* x, float* p, size_t n) {
  float m = -INFINITY;
  for (size_t c = 0; c < n; ++c) m = std::max(m, x[c]);
  float total = 0.0f;
  for (size_t c = 0; c < n; ++c) {
    p[c] = std::exp(x[c] - m);
    total += p[c];
  }
  const float inverse = 1.0f / total;
  for (size_t c = 0; c < n; ++c) p[c] *= inverse;
  return {m, std::log(total)};
}

// How a cross_entropy call reads its targets. Targets are class indices (validated in the
// forward) or probabilities; with no class weights and no smoothing, an index target takes the
// hot path, where the smoothed target is plain one-hot.
struct CrossEntropySetup {
  size_t classes = 0;
  float smoothing = 0.0f;
  float denominator = 1.0f;  // of the mean: sum of the targets' weights (indices) or B (probs)
  Reduction reduction = Reduction::mean;
  bool probability_targets = false;

  bool one_hot(const float* weight) const {
    return !probability_targets && !weight && smoothing == 0.0f;
  }

  // Row i's weighted, smoothed target a_c = w_c ((1 - eps) q_c + eps / C), q = one-hot of the
  // class index or the given probabilities, into `a`; returns sum_c a_c.
  float row_target(const float* targets, const float* weight, size_t i, float* a) const {
    const size_t n = classes;
    const float share = smoothing / static_cast<float>(n);
    float mass = 0.0f;
    for (size_t c = 0; c < n; ++c) {
      const float q = probability_targets ? targets[i * n + c]
                                          : (c == static_cast<size_t>(targets[i]) ? 1.0f : 0.0f);
      a[c] = (weight ? weight[c] : 1.0f) * ((1.0f - smoothing) * q + share);
      mass += a[c];
    }
    return mass;
  }

  // The gradient of the result with respect to sample i's loss.
  float sample_scale(const float* dy, size_t i) const {
    if (reduction == Reduction::mean) return dy[0] / denominator;
    if (reduction == Reduction::sum) return dy[0];
    return dy[i];
  }
};

}  // namespace

Tensor cross_entropy(const Tensor& logits, const Tensor& targets, Reduction reduction) {
  return cross_entropy(logits, targets, CrossEntropyOptions{.reduction = reduction});
}

// With a_i row i's target distribution (one-hot of the class index, or the given probabilities),
// smoothed to (1 - eps) a_i + eps / C and weighted by w_c:
//   loss_i = -sum_c a_ic log_softmax(x_i)_c;   d/dx_ic = (sum_c' a_ic') softmax(x_i)_c - a_ic
// which is softmax - onehot without weights or smoothing;  d/dq_ic = -(1 - eps) w_c log_softmax_c.
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
  const float eps = options.label_smoothing;
  PLEXUS_CHECK(eps >= 0.0f && eps <= 1.0f, name, ": label_smoothing must be in [0, 1], got ", eps);

  CrossEntropySetup setup{classes, eps, 1.0f, options.reduction, probability_targets};
  const float* w = options.weight.defined() ? options.weight.data() : nullptr;
  const float* t = targets.data();
  Tensor probs = Tensor::empty(logits.shape());
  Tensor losses = Tensor::empty({static_cast<int64_t>(rows)});
  std::vector<float> a(setup.one_hot(w) ? 0 : classes);
  double total = 0.0, denominator = 0.0;
  for (size_t i = 0; i < rows; ++i) {
    const float* x = logits.data() + i * classes;
    const RowStats row = softmax_row(x, probs.data() + i * classes, classes);
    float loss = 0.0f;
    if (probability_targets) {
      denominator += 1.0;
    } else {
      const size_t y = class_index(name, t[i], i, classes);
      denominator += w ? w[y] : 1.0f;
      if (setup.one_hot(w)) loss = row.log_sum - (x[y] - row.max);
    }
    if (!setup.one_hot(w)) {
      setup.row_target(t, w, i, a.data());
      for (size_t c = 0; c < classes; ++c) loss -= a[c] * ((x[c] - row.max) - row.log_sum);
    }
    losses.data()[i] = loss;
    total += loss;
  }
  setup.denominator = static_cast<float>(denominator);

  Tensor result = losses;
  if (options.reduction == Reduction::mean)
    result = Tensor::scalar(static_cast<float>(total / denominator));
  if (options.reduction == Reduction::sum) result = Tensor::scalar(static_cast<float>(total));
  auto backward = [setup, probs, targets, weight = options.weight](BackwardContext& c) {
    const size_t n = setup.classes;
    const auto rows = static_cast<size_t>(c.input_shape(0)[0]);
    const float* w = weight.defined() ? weight.data() : nullptr;
    const float* t = targets.data();
    const float* dy = c.output_grad();
    if (float* dx = c.input_grad(0)) {
      std::vector<float> a(setup.one_hot(w) ? 0 : n);
      for (size_t i = 0; i < rows; ++i) {
        const float g = setup.sample_scale(dy, i);
        const float* p = probs.data() + i * n;
        float* d = dx + i * n;
        if (setup.one_hot(w)) {  // the hot path: softmax - onehot
          for (size_t k = 0; k < n; ++k) d[k] += g * p[k];
          d[static_cast<size_t>(t[i])] -= g;
          continue;
        }
        const float mass = setup.row_target(t, w, i, a.data());
        for (size_t k = 0; k < n; ++k) d[k] += g * (mass * p[k] - a[k]);
      }
    }
    if (!setup.probability_targets) return;
    if (float* dq = c.input_grad(1)) {
      std::vector<float> scratch(n);
      for (size_t i = 0; i < rows; ++i) {
        const float g = setup.sample_scale(dy, i) * (1.0f - setup.smoothing);
        const float* x = c.input_data(0) + i * n;
        const RowStats row = softmax_row(x, scratch.data(), n);
        for (size_t k = 0; k < n; ++k)
          dq[i * n + k] -= g * (w ? w[k] : 1.0f) * ((x[k] - row.max) - row.log_sum);
      }
    }
  };
  if (probability_targets)
    return autograd::record(Op::cross_entropy, std::move(result), {logits, targets},
                            std::move(backward));
  return autograd::record(Op::cross_entropy, std::move(result), {logits}, std::move(backward));
}

Tensor nll(const Tensor& log_probs, const Tensor& targets, Reduction reduction) {
  return nll(log_probs, targets, NllOptions{.reduction = reduction});
}

// -w_y log_probs[i, y] per row; mean divides by sum_i w_{y_i}
Tensor nll(const Tensor& log_probs, const Tensor& targets, const NllOptions& options) {
  const size_t classes = detail::require_batch_of_classes("nll", "log_probs", log_probs);
  detail::require_class_weight("nll", options.weight, classes);
  const Picks picks = pick_targets("nll", log_probs, targets, classes);
  Tensor losses = -gather_targets(log_probs, picks);
  float denominator = static_cast<float>(picks.index.size());
  if (options.weight.defined()) {
    Tensor row_weight = Tensor::empty({static_cast<int64_t>(picks.index.size())});
    double weight_total = 0.0;
    for (size_t i = 0; i < picks.index.size(); ++i) {
      row_weight.data()[i] = options.weight.data()[picks.index[i]];
      weight_total += row_weight.data()[i];
    }
    losses = losses * row_weight;
    denominator = static_cast<float>(weight_total);
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
