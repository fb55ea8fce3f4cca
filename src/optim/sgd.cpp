// SGD's update: one pass over the elements, in float32 in the order of PyTorch 1.13's
// single-tensor implementation (see Optimizer::update on rounding).
#include "plexus/optim/sgd.hpp"

#include "base/check.hpp"

namespace plexus::optim {
namespace {

std::vector<Optimizer::BufferSpec> sgd_buffers(const SGDOptions& options) {
  if (options.momentum == 0.0) return {};
  return {{"momentum_buffer"}};
}

struct SGDStep {
  float neg_lr, weight_decay, momentum, keep;  // keep = 1 - dampening
  bool first;                                  // PyTorch's buffer starts as a copy of g, undamped
  bool nesterov;
};

// One pass over the elements; with kMomentum a template flag, neither loop has a conditional store.
template <bool kMomentum>
void sgd_pass(const SGDStep s, float* __restrict param, const float* __restrict grad,
              float* __restrict buffer, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    float g = grad[i];
    if (s.weight_decay != 0.0f) g = g + s.weight_decay * param[i];
    if constexpr (kMomentum) {
      buffer[i] = s.first ? g : buffer[i] * s.momentum + s.keep * g;
      g = s.nesterov ? g + s.momentum * buffer[i] : buffer[i];
    }
    param[i] = param[i] + s.neg_lr * g;
  }
}

// param += neg_lr grad: plain gradient descent, the common case, without the set-up of the
// general pass (small networks' parameters are a few floats each).
void descend(float neg_lr, float* __restrict param, const float* __restrict grad, size_t n) {
  for (size_t i = 0; i < n; ++i) param[i] = param[i] + neg_lr * grad[i];
}

// Momentum or weight decay: apart from update(), so that its plain descent saves no registers.
// `buffer`: the momentum buffer (nullptr without momentum); `first`: the parameter's first step.
[[gnu::noinline]] void general_update(const Optimizer::Group& group, const SGDOptions& options,
                                      float* param, const float* grad, size_t n, float* buffer,
                                      bool first) {
  const SGDStep s{.neg_lr = static_cast<float>(-group.lr),
                  .weight_decay = static_cast<float>(group.weight_decay),
                  .momentum = static_cast<float>(group.momentum),
                  .keep = static_cast<float>(1.0 - options.dampening),
                  .first = first,
                  .nesterov = options.nesterov};
  if (buffer)
    sgd_pass<true>(s, param, grad, buffer, n);
  else
    sgd_pass<false>(s, param, grad, nullptr, n);
}

}  // namespace

SGD::SGD(std::vector<Tensor> params, const Options& options)
    : SGD(one_group(std::move(params)), options) {}

SGD::SGD(std::vector<ParamGroup> groups, const Options& options)
    : Optimizer("SGD", std::move(groups),
                {options.lr, options.weight_decay, options.momentum, options.momentum != 0.0},
                sgd_buffers(options)),
      options_(options) {
  check_option(options.lr >= 0.0, "lr", options.lr, ">= 0");
  check_option(options.momentum >= 0.0, "momentum", options.momentum, ">= 0");
  check_option(options.weight_decay >= 0.0, "weight_decay", options.weight_decay, ">= 0");
  PLEXUS_CHECK(!options.nesterov || (options.momentum > 0.0 && options.dampening == 0.0),
               "SGD: nesterov momentum requires momentum > 0 and dampening = 0 (got momentum = ",
               options.momentum, ", dampening = ", options.dampening, ")");
  check_groups();
}

void SGD::check_group(const Group& group, size_t index) const {
  Optimizer::check_group(group, index);
  PLEXUS_CHECK(has_momentum() || group.momentum == 0.0, "SGD: group ", index, " has momentum ",
               group.momentum,
               ", but this SGD was built with momentum = 0 and keeps no momentum "
               "buffer; build it with momentum > 0");
  PLEXUS_CHECK(group.momentum >= 0.0, "SGD: invalid momentum = ", group.momentum, " (group ", index,
               "); it must be >= 0");
  PLEXUS_CHECK(!options_.nesterov || group.momentum > 0.0,
               "SGD: nesterov momentum requires "
               "momentum > 0, but group ",
               index, " has momentum ", group.momentum);
}

void SGD::update(const Group& group, float* param, const float* grad, size_t n, ParamState& state) {
  if (group.momentum == 0.0 && group.weight_decay == 0.0)
    return descend(static_cast<float>(-group.lr), param, grad, n);
  general_update(group, options_, param, grad, n,
                 group.momentum != 0.0 ? state.buffers[0].data() : nullptr, state.step == 1);
}

}  // namespace plexus::optim
