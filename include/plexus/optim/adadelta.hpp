// px::optim::Adadelta: step sizes from running averages of squared gradients and of squared
// updates, so lr = 1 needs no tuning: torch.optim.Adadelta's rule.
#pragma once

#include "plexus/optim/optimizer.hpp"

namespace plexus::optim {

/// Adadelta's options, named as torch.optim.Adadelta's keyword arguments, with its defaults.
struct AdadeltaOptions {
  double lr = 1.0;
  double rho = 0.9;
  double eps = 1e-6;
  double weight_decay = 0.0;
};

/// g = grad + weight_decay p;  sq = rho sq + (1 - rho) g^2;
/// delta = sqrt(acc + eps) / sqrt(sq + eps) g  (eps inside both roots);
/// acc = rho acc + (1 - rho) delta^2;  p -= lr delta.
class Adadelta final : public Optimizer {
 public:
  using Options = AdadeltaOptions;

  Adadelta(std::vector<Tensor> params, const Options& options = {});
  Adadelta(std::vector<ParamGroup> groups, const Options& options = {});
  const Options& options() const { return options_; }

 private:
  void update(const Group& group, float* param, const float* grad, size_t n,
              ParamState& state) override;

  Options options_;
};

}  // namespace plexus::optim
