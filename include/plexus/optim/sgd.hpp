// px::optim::SGD: stochastic gradient descent with momentum, dampening, Nesterov momentum and
// (coupled, L2-style) weight decay: torch.optim.SGD's rule.
#pragma once

#include "plexus/optim/optimizer.hpp"

namespace plexus::optim {

/// SGD's options, named as torch.optim.SGD's keyword arguments.
struct SGDOptions {
  /// NOTE: torch.optim.SGD has no default lr (it must be given); plexus defaults to 0.01.
  double lr = 0.01;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;
};

/// g = grad + weight_decay p;  with momentum: b = g on the first step, then
/// b = momentum b + (1 - dampening) g, and g = b (or g + momentum b with nesterov);  p -= lr g.
/// `SGD opt(params, {.lr = 0.1, .momentum = 0.9, .nesterov = true});`
class SGD final : public Optimizer {
 public:
  using Options = SGDOptions;

  SGD(std::vector<Tensor> params, const Options& options = {});
  SGD(std::vector<ParamGroup> groups, const Options& options = {});
  const Options& options() const { return options_; }

 private:
  void update(const Group& group, float* param, const float* grad, size_t n,
              ParamState& state) override;
  void check_group(const Group& group, size_t index) const override;

  Options options_;
};

}  // namespace plexus::optim
