// Binary cross-entropy on probabilities and on logits: the checks, then a fused element-wise op
// (ops/loss.cpp: BCE because PyTorch's clamped gradient cannot come from a composition,
// BCE-with-logits to stay exact in the tails where a composition cancels), then the reduction.
// Their gradients are tested against compositions in tests/unit/loss_test.cpp.
#include "loss/common.hpp"
#include "ops/loss.hpp"

namespace plexus::loss {

using detail::require_same_shape;

// -(t log p + (1 - t) log(1 - p)), each log clamped at -100 as in PyTorch
Tensor binary_cross_entropy(const Tensor& probs, const Tensor& target, Reduction reduction) {
  require_same_shape("binary_cross_entropy", "probs", probs, target);
  const float* p = probs.data();
  const size_t n = probs.numel();
  for (size_t i = 0; i < n; ++i)
    PLEXUS_CHECK(p[i] >= 0.0f && p[i] <= 1.0f, "binary_cross_entropy: probs[", i, "] = ", p[i],
                 " is not a probability in [0, 1]. hint: pass logits to "
                 "binary_cross_entropy_with_logits, or apply sigmoid first");
  return detail::reduce(ops::binary_cross_entropy(probs, target), reduction);
}

Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target,
                                        Reduction reduction) {
  return binary_cross_entropy_with_logits(logits, target, {.reduction = reduction});
}

// (1 - t) x + w log(1 + e^-x) with w = 1 + (pw - 1) t (w = 1 without pos_weight)
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
  return detail::reduce(ops::binary_cross_entropy_with_logits(logits, target, pos_weight),
                        options.reduction);
}

}  // namespace plexus::loss
