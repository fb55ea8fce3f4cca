// Regression losses and the binary hinge, written as compositions of differentiable ops: each is
// correct by construction, and its gradient (including the value at a kink) follows from the ops'.
// e = pred - target throughout.
#include <cmath>
#include <numbers>

#include "loss/common.hpp"
#include "ops/loss.hpp"
#include "plexus/ops/activation.hpp"

namespace plexus::loss {

using detail::reduce;
using detail::require_same_shape;

// mean (or sum) of e^2: the fused op of ops/loss.cpp, the loss of every regression step.
Tensor mse(const Tensor& pred, const Tensor& target, Reduction reduction) {
  require_same_shape("mse", "pred", pred, target);
  if (reduction == Reduction::none) return square(pred - target);
  const float scale = reduction == Reduction::mean ? 1.0f / static_cast<float>(pred.numel()) : 1.0f;
  return ops::mse(pred, target, scale);
}

// sum_i s_i sum_k e_ik^2 / (K sum_i s_i): the fused op with the rows' weights.
Tensor mse(const Tensor& pred, const Tensor& target, const Tensor& sample_weight) {
  require_same_shape("mse", "pred", pred, target);
  if (!sample_weight.defined()) return mse(pred, target);
  PLEXUS_CHECK(pred.rank() >= 1, "mse: sample weights need rows, got pred ", pred.shape());
  const auto rows = static_cast<size_t>(pred.shape(0));
  detail::require_sample_weight("mse", sample_weight, rows);
  const double total = detail::weight_total(sample_weight);
  const double per_row =
      rows == 0 ? 1.0 : static_cast<double>(pred.numel()) / static_cast<double>(rows);
  return ops::mse(pred, target, static_cast<float>(1.0 / (per_row * total)), sample_weight);
}

// sum_i s_i sum_k l_ik / (K sum_i s_i) for losses [B] or [B, K]
Tensor weighted_mean(const Tensor& losses, const Tensor& sample_weight) {
  detail::require_defined("weighted_mean", "losses", losses);
  PLEXUS_CHECK(losses.rank() == 1 || losses.rank() == 2, "weighted_mean: losses ", losses.shape(),
               " must be [B] or [B, K]");
  const auto rows = static_cast<size_t>(losses.shape(0));
  detail::require_defined("weighted_mean", "sample_weight", sample_weight);
  detail::require_sample_weight("weighted_mean", sample_weight, rows);
  const double total = detail::weight_total(sample_weight);
  const double per_row = losses.rank() == 2 ? static_cast<double>(losses.shape(1)) : 1.0;
  const Tensor weight = losses.rank() == 2 ? sample_weight.reshape({-1, 1}) : sample_weight;
  return sum(losses * weight.detach()) * static_cast<float>(1.0 / (per_row * total));
}

// |e|;  d/dpred = sign(e), 0 at e = 0 (as PyTorch's l1_loss)
Tensor mae(const Tensor& pred, const Tensor& target, Reduction reduction) {
  require_same_shape("mae", "pred", pred, target);
  return reduce(abs(pred - target), reduction);
}

// e^2 / 2 where |e| < delta, else delta (|e| - delta / 2);  d/dpred = e, or delta sign(e)
Tensor huber(const Tensor& pred, const Tensor& target, float delta, Reduction reduction) {
  require_same_shape("huber", "pred", pred, target);
  PLEXUS_CHECK(delta > 0.0f, "huber: delta must be positive, got ", delta);
  const Tensor e = pred - target;
  const Tensor size = abs(e);
  return reduce(where(size < delta, square(e) * 0.5f, (size - 0.5f * delta) * delta), reduction);
}

// e^2 / (2 beta) where |e| < beta, else |e| - beta / 2;  d/dpred = e / beta, or sign(e)
Tensor smooth_l1(const Tensor& pred, const Tensor& target, float beta, Reduction reduction) {
  require_same_shape("smooth_l1", "pred", pred, target);
  PLEXUS_CHECK(beta >= 0.0f, "smooth_l1: beta must be non-negative, got ", beta);
  if (beta == 0.0f) return mae(pred, target, reduction);  // the quadratic zone is empty
  const Tensor e = pred - target;
  const Tensor size = abs(e);
  return reduce(where(size < beta, square(e) * (0.5f / beta), size - 0.5f * beta), reduction);
}

// log cosh(e) = e + log(1 + e^-2e) - log 2 = e + softplus(-2e) - log 2;  d/dpred = tanh(e).
// NOTE: cosh overflows float32 beyond |e| ~ 89; this form is finite for every e and has no kink.
Tensor log_cosh(const Tensor& pred, const Tensor& target, Reduction reduction) {
  require_same_shape("log_cosh", "pred", pred, target);
  const Tensor e = pred - target;
  return reduce(e + softplus(e * -2.0f) - std::numbers::ln2_v<float>, reduction);
}

// u = target - pred: max(q u, (q - 1) u);  d/dpred = -q where u > 0, 1 - q where u < 0
Tensor quantile(const Tensor& pred, const Tensor& target, float q, Reduction reduction) {
  require_same_shape("quantile", "pred", pred, target);
  PLEXUS_CHECK(q >= 0.0f && q <= 1.0f, "quantile: q must be in [0, 1], got ", q);
  const Tensor u = target - pred;
  return reduce(maximum(u * q, u * (q - 1.0f)), reduction);
}

// u = target - pred per level: max(tau u, (tau - 1) u), as quantile's with tau a row [1, Q]
// broadcast over the rows and the target a column [B, 1] broadcast over the levels.
Tensor pinball(const Tensor& pred, const Tensor& target, const Tensor& levels,
               Reduction reduction) {
  detail::require_defined("pinball", "pred", pred);
  detail::require_defined("pinball", "target", target);
  detail::require_defined("pinball", "levels", levels);
  PLEXUS_CHECK(pred.rank() == 2, "pinball: pred ", pred.shape(), " must be [B, Q]");
  const int64_t rows = pred.shape(0), count = pred.shape(1);
  // One target per row, every level against it; or, shaped like pred, one per level.
  const bool per_row = target.numel() == static_cast<size_t>(rows) && target.rank() >= 1 &&
                       target.rank() <= 2 && target.shape(0) == rows;
  PLEXUS_CHECK(per_row || target.shape() == pred.shape(), "pinball: target ", target.shape(),
               " must be [", rows, "] or [", rows, ", 1] (one value per row of pred ", pred.shape(),
               ") or shaped like pred");
  PLEXUS_CHECK(levels.rank() == 1 && levels.shape(0) == count, "pinball: levels ", levels.shape(),
               " must be [", count, "], one per column of pred ", pred.shape());
  for (size_t k = 0; k < levels.numel(); ++k)
    PLEXUS_CHECK(levels.data()[k] > 0.0f && levels.data()[k] < 1.0f, "pinball: level ",
                 levels.data()[k], " is not in (0, 1)");
  const Tensor tau = levels.detach().reshape({1, count});
  const Tensor u = (per_row ? target.detach().reshape({rows, 1}) : target.detach()) - pred;
  return reduce(maximum(u * tau, u * (tau - 1.0f)), reduction);
}

Tensor pinball(const Tensor& pred, const Tensor& target, const Tensor& levels,
               const Tensor& sample_weight) {
  if (!sample_weight.defined()) return pinball(pred, target, levels);
  return weighted_mean(pinball(pred, target, levels, Reduction::none), sample_weight);
}

// max(0, 1 - t p) for t in {-1, +1};  d/dpred = -t where t p < 1, else 0
Tensor hinge(const Tensor& pred, const Tensor& target, Reduction reduction) {
  require_same_shape("hinge", "pred", pred, target);
  const float* t = target.data();
  for (size_t i = 0; i < target.numel(); ++i)
    PLEXUS_CHECK(t[i] == 1.0f || t[i] == -1.0f, "hinge: target[", i, "] = ", t[i],
                 " is not -1 or +1. hint: map labels {0, 1} to {-1, +1} with 2 * t - 1");
  return reduce(relu(1.0f - target * pred), reduction);
}

}  // namespace plexus::loss
