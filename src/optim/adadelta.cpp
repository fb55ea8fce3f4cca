// Adadelta's update: one pass over the elements, in float32 in the order of PyTorch 1.13's
// single-tensor implementation.
#include "plexus/optim/adadelta.hpp"

#include <cmath>

namespace plexus::optim {

Adadelta::Adadelta(std::vector<Tensor> params, const Options& options)
    : Adadelta(one_group(std::move(params)), options) {}

Adadelta::Adadelta(std::vector<ParamGroup> groups, const Options& options)
    : Optimizer("Adadelta", std::move(groups), {options.lr, options.weight_decay, 0.0, false},
                {{"square_avg"}, {"acc_delta"}}),
      options_(options) {
  check_option(options.lr >= 0.0, "lr", options.lr, ">= 0");
  check_option(options.rho >= 0.0 && options.rho <= 1.0, "rho", options.rho, "in [0, 1]");
  check_option(options.eps >= 0.0, "eps", options.eps, ">= 0");
  check_option(options.weight_decay >= 0.0, "weight_decay", options.weight_decay, ">= 0");
  check_groups();
}

void Adadelta::update(const Group& group, float* param, const float* grad, size_t n,
                      ParamState& state) {
  const float neg_lr = static_cast<float>(-group.lr);
  const float weight_decay = static_cast<float>(group.weight_decay);
  const float rho = static_cast<float>(options_.rho);
  const float one_minus_rho = static_cast<float>(1.0 - options_.rho);
  const float eps = static_cast<float>(options_.eps);
  float* square_avg = state.buffers[0].data();
  float* acc_delta = state.buffers[1].data();
  for (size_t i = 0; i < n; ++i) {
    float g = grad[i];
    if (weight_decay != 0.0f) g = g + weight_decay * param[i];
    square_avg[i] = square_avg[i] * rho + one_minus_rho * g * g;
    const float delta = std::sqrt(acc_delta[i] + eps) / std::sqrt(square_avg[i] + eps) * g;
    acc_delta[i] = acc_delta[i] * rho + one_minus_rho * delta * delta;
    param[i] = param[i] + neg_lr * delta;
  }
}

}  // namespace plexus::optim
