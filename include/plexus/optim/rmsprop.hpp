// px::optim::RMSprop: divides the gradient by a running root-mean-square of recent gradients
// (optionally centered, optionally with momentum): torch.optim.RMSprop's rule.
#pragma once

#include "plexus/optim/optimizer.hpp"

namespace plexus::optim {

/// RMSprop's options, named as torch.optim.RMSprop's keyword arguments, with its defaults.
struct RMSpropOptions {
  double lr = 0.01;
  double alpha = 0.99;
  double eps = 1e-8;
  double weight_decay = 0.0;
  double momentum = 0.0;
  bool centered = false;
};

/// g = grad + weight_decay p;  sq = alpha sq + (1 - alpha) g^2;
/// avg = sqrt(sq) + eps, or centered: ga = alpha ga + (1 - alpha) g, avg = sqrt(sq - ga^2) + eps
/// (eps OUTSIDE the root);  momentum > 0: b = momentum b + g / avg, p -= lr b;  else p -= lr g /
/// avg.
class RMSprop final : public Optimizer {
 public:
  using Options = RMSpropOptions;

  RMSprop(std::vector<Tensor> params, const Options& options = {});
  RMSprop(std::vector<ParamGroup> groups, const Options& options = {});
  const Options& options() const { return options_; }

 private:
  void update(const Group& group, float* param, const float* grad, size_t n,
              ParamState& state) override;
  void check_group(const Group& group, size_t index) const override;

  Options options_;
};

}  // namespace plexus::optim
