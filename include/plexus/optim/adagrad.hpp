// px::optim::Adagrad: per-element learning rates that shrink with the sum of squared gradients
// seen so far: torch.optim.Adagrad's rule.
#pragma once

#include "plexus/optim/optimizer.hpp"

namespace plexus::optim {

/// Adagrad's options, named as torch.optim.Adagrad's keyword arguments, with its defaults.
struct AdagradOptions {
  double lr = 0.01;
  double lr_decay = 0.0;
  double weight_decay = 0.0;
  double initial_accumulator_value = 0.0;
  double eps = 1e-10;
};

/// t = step (1, 2, ...);  g = grad + weight_decay p;  clr = lr / (1 + (t - 1) lr_decay);
/// sum += g^2 (sum starts at initial_accumulator_value);  p -= clr g / (sqrt(sum) + eps).
class Adagrad final : public Optimizer {
 public:
  using Options = AdagradOptions;

  Adagrad(std::vector<Tensor> params, const Options& options = {});
  Adagrad(std::vector<ParamGroup> groups, const Options& options = {});
  const Options& options() const { return options_; }

 private:
  void update(const Group& group, float* param, const float* grad, size_t n,
              ParamState& state) override;

  Options options_;
};

}  // namespace plexus::optim
