// Loss functions: px::loss::mse(pred, target) and the rest, each differentiable with respect to
// its first argument. Definitions, defaults and gradients are PyTorch's (torch.nn.functional);
// pred and target must have the same shape (no silent broadcasting, unlike PyTorch's warning).
// B = batch size, C = number of classes.
#pragma once

#include "plexus/ops/reduce.hpp"
#include "plexus/tensor/tensor.hpp"

namespace plexus::loss {

/// How the per-element losses become the result: their mean (a scalar), their sum (a scalar),
/// or none (the per-element losses, shaped like the input; per sample for class losses).
using plexus::Reduction;

// ---- regression: pred and target of any one shape ------------------------------------------
/// (pred - target)^2
Tensor mse(const Tensor& pred, const Tensor& target, Reduction reduction = Reduction::mean);
/// The weighted mean of (pred - target)^2 over rows: sum_i s_i sum_k e_ik^2 / (K sum_i s_i) for
/// pred [B, K] (or [B]) and sample_weight [B] (finite, non-negative; empty: all 1). A row weighted
/// 2 counts as the row twice; a total weight of 0 gives 0. One fused op.
Tensor mse(const Tensor& pred, const Tensor& target, const Tensor& sample_weight);
/// |pred - target|; the gradient is 0 where they are equal
Tensor mae(const Tensor& pred, const Tensor& target, Reduction reduction = Reduction::mean);
/// e = pred - target: e^2 / 2 where |e| < delta, else delta (|e| - delta / 2); delta > 0
Tensor huber(const Tensor& pred, const Tensor& target, float delta = 1.0f,
             Reduction reduction = Reduction::mean);
/// e^2 / (2 beta) where |e| < beta, else |e| - beta / 2 (huber / beta); beta = 0 gives mae
Tensor smooth_l1(const Tensor& pred, const Tensor& target, float beta = 1.0f,
                 Reduction reduction = Reduction::mean);
/// log(cosh(pred - target)), computed without overflow for any difference
Tensor log_cosh(const Tensor& pred, const Tensor& target, Reduction reduction = Reduction::mean);
/// Pinball loss for quantile q in [0, 1], e = target - pred: max(q e, (q - 1) e)
Tensor quantile(const Tensor& pred, const Tensor& target, float q,
                Reduction reduction = Reduction::mean);
/// The quantile (pinball) loss at Q levels: pred [B, Q], target [B] or [B, 1] (every level against
/// the row's value; or [B, Q], each level against its own column), levels [Q] in
/// (0, 1). With u = target_i - pred_ik: max(tau_k u, (tau_k - 1) u), whose minimiser over a
/// distribution of targets is its tau_k-quantile. Reduction::none gives [B, Q]; mean divides by
/// B Q. d/dpred = -tau_k where u >= 0, 1 - tau_k where u < 0.
Tensor pinball(const Tensor& pred, const Tensor& target, const Tensor& levels,
               Reduction reduction = Reduction::mean);
/// pinball's weighted mean over rows: sum_i s_i sum_k l_ik / (Q sum_i s_i), sample_weight [B]
/// (empty: all 1), as mse's.
Tensor pinball(const Tensor& pred, const Tensor& target, const Tensor& levels,
               const Tensor& sample_weight);
/// max(0, 1 - target * pred) for targets in {-1, +1}
Tensor hinge(const Tensor& pred, const Tensor& target, Reduction reduction = Reduction::mean);

/// The weighted mean of per-row losses (any loss with Reduction::none): losses [B] or [B, K],
/// sample_weight [B] finite and non-negative: sum_i s_i sum_k l_ik / (K sum_i s_i), a total
/// weight of 0 counting as 1 (so rows all weighted 0 give 0, not NaN). No gradient to the weights.
Tensor weighted_mean(const Tensor& losses, const Tensor& sample_weight);

// ---- binary classification: one probability or logit per element --------------------------
/// -(t log p + (1 - t) log(1 - p)) for probabilities p in [0, 1]; each log is clamped at -100
/// and the gradient is (p - t) / max(p (1 - p), 1e-12), as in PyTorch. No gradient to target.
Tensor binary_cross_entropy(const Tensor& probs, const Tensor& target,
                            Reduction reduction = Reduction::mean);

struct BceWithLogitsOptions {
  Reduction reduction = Reduction::mean;
  /// Weight of the positive term, broadcast along the last axis (e.g. [C] for logits [B, C]);
  /// empty means 1. It is a constant: no gradient flows to it.
  Tensor pos_weight;
};
/// binary_cross_entropy(sigmoid(logits), target) in one stable step (log-sum-exp form):
/// (1 - t) x + (1 + (pw - 1) t) log(1 + e^-x);  d/dx = (1 + (pw - 1) t) sigmoid(x) - pw t.
/// No gradient to target.
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target,
                                        Reduction reduction = Reduction::mean);
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target,
                                        const BceWithLogitsOptions& options);

// ---- multi-class classification: logits [B, C]; class indices [B] stored as floats ----------
struct CrossEntropyOptions {
  Reduction reduction = Reduction::mean;
  /// Class weights [C]; empty means all 1. With class-index targets, mean divides by the sum of
  /// the targets' weights (PyTorch's weighted mean), not by B.
  Tensor weight;
  /// eps in [0, 1]: the target becomes (1 - eps) target + eps / C.
  float label_smoothing = 0.0f;
  /// Row weights s [B], finite and non-negative; empty means all 1. Row i's loss is scaled by
  /// s_i and mean divides by sum_i s_i w_{y_i} (probability targets: sum_i s_i), so a row weighted
  /// 2 counts as the row twice. A total weight of 0 counts as 1 (PyTorch gives NaN).
  Tensor sample_weight;
};
/// -log softmax(logits)[target] per sample; targets are [B] class indices (0 .. C-1, as floats)
/// or [B, C] class probabilities. One fused op: log-softmax and NLL forward, and
/// d/dlogits = softmax - target in the backward. Probability targets receive a gradient too.
Tensor cross_entropy(const Tensor& logits, const Tensor& targets,
                     Reduction reduction = Reduction::mean);
Tensor cross_entropy(const Tensor& logits, const Tensor& targets,
                     const CrossEntropyOptions& options);

struct NllOptions {
  Reduction reduction = Reduction::mean;
  /// Class weights [C]; mean divides by the sum of the targets' weights.
  Tensor weight;
  /// Row weights [B] as cross_entropy's: mean divides by sum_i s_i w_{y_i}.
  Tensor sample_weight;
};
/// Negative log-likelihood: -log_probs[i, target_i] per sample; log_probs [B, C], targets [B].
Tensor nll(const Tensor& log_probs, const Tensor& targets, Reduction reduction = Reduction::mean);
Tensor nll(const Tensor& log_probs, const Tensor& targets, const NllOptions& options);

struct MultiMarginOptions {
  int p = 1;  ///< 1 or 2
  float margin = 1.0f;
  /// Class weights [C]; sample i's loss is scaled by weight[target_i]. Mean divides by B.
  Tensor weight;
  Reduction reduction = Reduction::mean;
};
/// Multi-class hinge: sum over j != y of max(0, margin - x_y + x_j)^p, divided by C (PyTorch's
/// multi_margin_loss); logits [B, C], targets [B].
Tensor multi_margin(const Tensor& logits, const Tensor& targets,
                    Reduction reduction = Reduction::mean);
Tensor multi_margin(const Tensor& logits, const Tensor& targets, const MultiMarginOptions& options);

}  // namespace plexus::loss
