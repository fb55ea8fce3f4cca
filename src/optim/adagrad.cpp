// Adagrad's update: one pass over the elements, in float32 in the order of PyTorch 1.13's
// single-tensor implementation.
#include "plexus/optim/adagrad.hpp"

#include <cmath>

namespace plexus::optim {

Adagrad::Adagrad(std::vector<Tensor> params, const Options& options)
    : Adagrad(one_group(std::move(params)), options) {}

Adagrad::Adagrad(std::vector<ParamGroup> groups, const Options& options)
    : Optimizer("Adagrad", std::move(groups), {options.lr, options.weight_decay, 0.0, false},
                {{"sum", static_cast<float>(options.initial_accumulator_value)}}),
      options_(options) {
  check_option(options.lr >= 0.0, "lr", options.lr, ">= 0");
  check_option(options.lr_decay >= 0.0, "lr_decay", options.lr_decay, ">= 0");
  check_option(options.weight_decay >= 0.0, "weight_decay", options.weight_decay, ">= 0");
  check_option(options.initial_accumulator_value >= 0.0, "initial_accumulator_value",
               options.initial_accumulator_value, ">= 0");
  check_option(options.eps >= 0.0, "eps", options.eps, ">= 0");
  check_groups();
}

void Adagrad::update(const Group& group, float* param, const float* grad, size_t n,
                     ParamState& state) {
  const double clr = group.lr / (1.0 + static_cast<double>(state.step - 1) * options_.lr_decay);
  const float neg_clr = static_cast<float>(-clr);
  const float weight_decay = static_cast<float>(group.weight_decay);
  const float eps = static_cast<float>(options_.eps);
  float* sum = state.buffers[0].data();
  for (size_t i = 0; i < n; ++i) {
    float g = grad[i];
    if (weight_decay != 0.0f) g = g + weight_decay * param[i];
    sum[i] = sum[i] + g * g;
    param[i] = param[i] + neg_clr * g / (std::sqrt(sum[i]) + eps);
  }
}

}  // namespace plexus::optim
