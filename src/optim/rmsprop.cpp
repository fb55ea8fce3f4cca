// RMSprop's update: one pass over the elements, in float32 in the order of PyTorch 1.13's
// single-tensor implementation.
#include "plexus/optim/rmsprop.hpp"

#include <cmath>

#include "base/check.hpp"

namespace plexus::optim {
namespace {

// Buffers in this order; the optional ones only when the options use them.
std::vector<Optimizer::BufferSpec> rmsprop_buffers(const RMSpropOptions& options) {
  std::vector<Optimizer::BufferSpec> buffers{{"square_avg"}};
  if (options.momentum > 0.0) buffers.push_back({"momentum_buffer"});
  if (options.centered) buffers.push_back({"grad_avg"});
  return buffers;
}

struct RMSpropStep {
  float neg_lr, weight_decay, alpha, one_minus_alpha, eps, momentum;
};

// One pass over the elements. The variants are template flags, so no loop has a conditional
// store and each vectorises.
template <bool kCentered, bool kMomentum>
void rmsprop_pass(const RMSpropStep s, float* __restrict param, const float* __restrict grad,
                  float* __restrict square_avg, float* __restrict grad_avg,
                  float* __restrict buffer, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    float g = grad[i];
    if (s.weight_decay != 0.0f) g = g + s.weight_decay * param[i];
    square_avg[i] = square_avg[i] * s.alpha + s.one_minus_alpha * g * g;
    float avg;
    if constexpr (kCentered) {
      grad_avg[i] = grad_avg[i] * s.alpha + s.one_minus_alpha * g;
      avg = std::sqrt(square_avg[i] - grad_avg[i] * grad_avg[i]) + s.eps;
    } else {
      avg = std::sqrt(square_avg[i]) + s.eps;
    }
    if constexpr (kMomentum) {
      buffer[i] = buffer[i] * s.momentum + g / avg;
      param[i] = param[i] + s.neg_lr * buffer[i];
    } else {
      param[i] = param[i] + s.neg_lr * g / avg;
    }
  }
}

}  // namespace

RMSprop::RMSprop(std::vector<Tensor> params, const Options& options)
    : RMSprop(one_group(std::move(params)), options) {}

RMSprop::RMSprop(std::vector<ParamGroup> groups, const Options& options)
    : Optimizer("RMSprop", std::move(groups),
                {options.lr, options.weight_decay, options.momentum, options.momentum > 0.0},
                rmsprop_buffers(options)),
      options_(options) {
  check_option(options.lr >= 0.0, "lr", options.lr, ">= 0");
  check_option(options.alpha >= 0.0, "alpha", options.alpha, ">= 0");
  check_option(options.eps >= 0.0, "eps", options.eps, ">= 0");
  check_option(options.weight_decay >= 0.0, "weight_decay", options.weight_decay, ">= 0");
  check_option(options.momentum >= 0.0, "momentum", options.momentum, ">= 0");
  check_groups();
}

void RMSprop::check_group(const Group& group, size_t index) const {
  Optimizer::check_group(group, index);
  PLEXUS_CHECK(has_momentum() ? group.momentum >= 0.0 : group.momentum == 0.0, "RMSprop: group ",
               index, " has momentum ", group.momentum,
               has_momentum() ? "; it must be >= 0"
                              : ", but this RMSprop was built with momentum = 0 and keeps no "
                                "momentum buffer; build it with momentum > 0");
}

void RMSprop::update(const Group& group, float* param, const float* grad, size_t n,
                     ParamState& state) {
  const RMSpropStep s{.neg_lr = static_cast<float>(-group.lr),
                      .weight_decay = static_cast<float>(group.weight_decay),
                      .alpha = static_cast<float>(options_.alpha),
                      .one_minus_alpha = static_cast<float>(1.0 - options_.alpha),
                      .eps = static_cast<float>(options_.eps),
                      .momentum = static_cast<float>(group.momentum)};
  float* square_avg = state.buffers[0].data();
  float* buffer = has_momentum() ? state.buffers[1].data() : nullptr;
  float* grad_avg = options_.centered ? state.buffers.back().data() : nullptr;
  const bool use_momentum = group.momentum > 0.0;
  if (options_.centered) {
    if (use_momentum)
      rmsprop_pass<true, true>(s, param, grad, square_avg, grad_avg, buffer, n);
    else
      rmsprop_pass<true, false>(s, param, grad, square_avg, grad_avg, buffer, n);
  } else {
    if (use_momentum)
      rmsprop_pass<false, true>(s, param, grad, square_avg, grad_avg, buffer, n);
    else
      rmsprop_pass<false, false>(s, param, grad, square_avg, grad_avg, buffer, n);
  }
}

}  // namespace plexus::optim
