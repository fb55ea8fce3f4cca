// px::optim::Nadam: Adam with Nesterov momentum and a momentum schedule (Dozat 2016), as
// torch.optim.NAdam computes it in PyTorch 1.13.
#pragma once

#include "plexus/optim/optimizer.hpp"

namespace plexus::optim {

/// Nadam's options, named as torch.optim.NAdam's keyword arguments (betas split into beta1 and
/// beta2), with its defaults.
struct NadamOptions {
  double lr = 2e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;
  double momentum_decay = 4e-3;
};

/// t = step;  g = grad + weight_decay p;  mu_t = beta1 (1 - 0.5 * 0.96^(t momentum_decay));
/// mu_product *= mu_t;  m, v as Adam;  denom = sqrt(v / (1 - beta2^t)) + eps;
/// p -= lr (1 - mu_t) / (1 - mu_product) g / denom;
/// p -= lr mu_{t+1} / (1 - mu_product mu_t mu_{t+1}) m / denom.
/// NOTE: the last denominator is PyTorch 1.13's (the version of the reference fixtures), which
/// multiplies mu_t in twice (mu_product already holds it). PyTorch >= 2.0 uses
/// 1 - mu_product mu_{t+1} (pytorch/pytorch#92699); the two differ by ~4e-4 after one step at
/// lr 0.05. Group::momentum is beta1.
class Nadam final : public Optimizer {
 public:
  using Options = NadamOptions;

  Nadam(std::vector<Tensor> params, const Options& options = {});
  Nadam(std::vector<ParamGroup> groups, const Options& options = {});
  const Options& options() const { return options_; }

 private:
  void update(const Group& group, float* param, const float* grad, size_t n,
              ParamState& state) override;
  void check_group(const Group& group, size_t index) const override;

  Options options_;
};

/// PyTorch's spelling.
using NAdam = Nadam;

}  // namespace plexus::optim
