// Binary cross-entropy on probabilities and on logits. Each is one fused element-wise op (the
// per-element losses), then the reduction: BCE because PyTorch's clamped gradient cannot come
// from a composition, BCE-with-logits to stay exact in the tails where a composition cancels.
// Their gradients are tested against compositions in tests/unit/loss_test.cpp.
#include <algorithm>
#include <cmath>

#include "autograd/graph.hpp"
#include "loss/common.hpp"

namespace plexus::loss {

using autograd::BackwardContext;
using autograd::Op;
using detail::require_same_shape;

// -(t log p + (1 - t) log(1 - p)), each log clamped at -100;
// d/dp = (p - t) / max(p (1 - p), 1e-12)
// NOTE: the clamps are PyTorch's: p = 0 with t = 1 costs exactly 100 (not inf) and its gradient
// is -1e12 (not -inf), so one bad prediction cannot turn the whole batch into NaN.
Tensor binary_cross_entropy(const Tensor& probs, const Tensor& target, Reduction reduction) {
  require_same_shape("binary_cross_entropy", "probs", probs, target);
  const float* p = probs.data();
  const float* t = target.data();
  const size_t n = probs.numel();
  for (size_t i = 0; i < n; ++i)
    PLEXUS_CHECK(p[i] >= 0.0f && p[i] <= 1.0f, "binary_cross_entropy: probs[", i, "] = ", p[i],
                 " is not a probability in [0, 1]. hint: pass logits to "
                 "binary_cross_entropy_with_logits, or apply sigmoid first");
  Tensor losses = Tensor::empty(probs.shape());
  float* loss = losses.data();
  for (size_t i = 0; i < n; ++i)
    loss[i] = (t[i] - 1.0f) * std::max(std::log(1.0f - p[i]), -100.0f) -
              t[i] * std::max(std::log(p[i]), -100.0f);
  losses = autograd::record(
      Op::binary_cross_entropy, std::move(losses), {probs}, [target](BackwardContext& c) {
        float* dp = c.input_grad(0);
        const float* p = c.input_data(0);
        const float* t = target.data();
        const float* dy = c.output_grad();
        for (size_t i = 0; i < c.numel(); ++i)
          dp[i] += dy[i] * (p[i] - t[i]) / std::max((1.0f - p[i]) * p[i], 1e-12f);
      });
  return detail::reduce(losses, reduction);
}

Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target,
                                        Reduction reduction) {
  return binary_cross_entropy_with_logits(logits, target, {.reduction = reduction});
}

// With w = 1 + (pw - 1) t (w = 1 without pos_weight):
// (1 - t) x + w log(1 + e^-x), with log(1 + e^-x) = log1p(e^-|x|) + max(-x, 0) so that no exp
// overflows;  d/dx = w sigmoid(x) - pw t  (= sigmoid(x) - t without pos_weight)
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target,
                                        const BceWithLogitsOptions& options) {
  const char* name = "binary_cross_entropy_with_logits";
  require_same_shape(name, "logits", logits, target);
  Tensor pos_weight;  // stretched to logits' shape, so the kernels index it like the logits
  if (options.pos_weight.defined()) {
    const Shape& shape = options.pos_weight.shape();
    PLEXUS_CHECK(broadcast_shapes(shape, logits.shape(), name) == logits.shape(), name,
                 ": pos_weight ", shape, " does not broadcast to logits ", logits.shape());
    pos_weight = broadcast_to(options.pos_weight.detach(), logits.shape());
  }
  const float* x = logits.data();
  const float* t = target.data();
  const float* pw = pos_weight.defined() ? pos_weight.data() : nullptr;
  Tensor losses = Tensor::empty(logits.shape());
  float* loss = losses.data();
  for (size_t i = 0; i < losses.numel(); ++i) {
    const float w = pw ? 1.0f + (pw[i] - 1.0f) * t[i] : 1.0f;
    const float log1p_exp_neg = std::log1p(std::exp(-std::fabs(x[i]))) + std::max(-x[i], 0.0f);
    loss[i] = (1.0f - t[i]) * x[i] + w * log1p_exp_neg;
  }
  losses = autograd::record(
      Op::binary_cross_entropy_with_logits, std::move(losses), {logits},
      [target, pos_weight](BackwardContext& c) {
        float* dx = c.input_grad(0);
        const float* x = c.input_data(0);
        const float* t = target.data();
        const float* pw = pos_weight.defined() ? pos_weight.data() : nullptr;
        const float* dy = c.output_grad();
        for (size_t i = 0; i < c.numel(); ++i) {
          const float s = 1.0f / (1.0f + std::exp(-x[i]));
          const float g = pw ? (1.0f + (pw[i] - 1.0f) * t[i]) * s - pw[i] * t[i] : s - t[i];
          dx[i] += dy[i] * g;
        }
      });
  return detail::reduce(losses, options.reduction);
}

}  // namespace plexus::loss
