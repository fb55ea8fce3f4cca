// Nadam's update: one pass over the elements, in float32 in the order of PyTorch 1.13's
// single-tensor implementation. mu_product is a float32 scalar there, so it is one here too.
#include "plexus/optim/nadam.hpp"

#include <cmath>

#include "base/check.hpp"

namespace plexus::optim {

Nadam::Nadam(std::vector<Tensor> params, const Options& options)
    : Nadam(one_group(std::move(params)), options) {}

Nadam::Nadam(std::vector<ParamGroup> groups, const Options& options)
    : Optimizer("Nadam", std::move(groups), {options.lr, options.weight_decay, options.beta1, true},
                {{"exp_avg"}, {"exp_avg_sq"}, {"mu_product", 1.0f, /*scalar=*/true}}),
      options_(options) {
  check_option(options.lr >= 0.0, "lr", options.lr, ">= 0");
  check_option(options.eps >= 0.0, "eps", options.eps, ">= 0");
  check_option(options.beta1 >= 0.0 && options.beta1 < 1.0, "beta1", options.beta1, "in [0, 1)");
  check_option(options.beta2 >= 0.0 && options.beta2 < 1.0, "beta2", options.beta2, "in [0, 1)");
  check_option(options.weight_decay >= 0.0, "weight_decay", options.weight_decay, ">= 0");
  check_option(options.momentum_decay >= 0.0, "momentum_decay", options.momentum_decay, ">= 0");
  check_groups();
}

void Nadam::check_group(const Group& group, size_t index) const {
  Optimizer::check_group(group, index);
  PLEXUS_CHECK(group.momentum >= 0.0 && group.momentum < 1.0,
               "Nadam: invalid beta1 = ", group.momentum, " (group ", index,
               "); it must be in [0, 1)");
}

void Nadam::update(const Group& group, float* param, const float* grad, size_t n,
                   ParamState& state) {
  const double t = static_cast<double>(state.step);
  const double beta1 = group.momentum;
  const double bias_correction2 = 1.0 - std::pow(options_.beta2, t);
  const double mu = beta1 * (1.0 - 0.5 * std::pow(0.96, t * options_.momentum_decay));
  const double mu_next = beta1 * (1.0 - 0.5 * std::pow(0.96, (t + 1.0) * options_.momentum_decay));
  float& mu_product = *state.buffers[2].data();
  mu_product = mu_product * static_cast<float>(mu);
  const float mu_product_next = mu_product * static_cast<float>(mu) * static_cast<float>(mu_next);
  const float grad_coef = static_cast<float>(-group.lr * (1.0 - mu) / (1.0 - mu_product));
  const float avg_coef = static_cast<float>(-group.lr * mu_next / (1.0 - mu_product_next));

  const float weight_decay = static_cast<float>(group.weight_decay);
  const float beta1_f = static_cast<float>(beta1);
  const float one_minus_beta1 = static_cast<float>(1.0 - beta1);
  const float beta2 = static_cast<float>(options_.beta2);
  const float one_minus_beta2 = static_cast<float>(1.0 - options_.beta2);
  const float bias_correction2_f = static_cast<float>(bias_correction2);
  const float eps = static_cast<float>(options_.eps);
  float* exp_avg = state.buffers[0].data();
  float* exp_avg_sq = state.buffers[1].data();
  for (size_t i = 0; i < n; ++i) {
    float g = grad[i];
    if (weight_decay != 0.0f) g = g + weight_decay * param[i];
    exp_avg[i] = exp_avg[i] * beta1_f + one_minus_beta1 * g;
    exp_avg_sq[i] = exp_avg_sq[i] * beta2 + one_minus_beta2 * g * g;
    const float denom = std::sqrt(exp_avg_sq[i] / bias_correction2_f) + eps;
    param[i] = param[i] + grad_coef * g / denom;
    param[i] = param[i] + avg_coef * exp_avg[i] / denom;
  }
}

}  // namespace plexus::optim
