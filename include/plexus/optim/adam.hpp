// px::optim::Adam and px::optim::AdamW: moment estimates of the gradient and of its square with
// bias correction, optionally AMSGrad; Adam's weight decay is coupled (an L2 term added to the
// gradient), AdamW's decoupled (the weights shrink directly). torch.optim.Adam's and AdamW's rules.
#pragma once

#include "plexus/optim/optimizer.hpp"

namespace plexus::optim {

/// Adam's options, named as torch.optim.Adam's keyword arguments (betas split into beta1 and
/// beta2), with its defaults.
struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;
  bool amsgrad = false;
};

/// AdamW's options: Adam's, but weight_decay defaults to 1e-2 as in torch.optim.AdamW.
struct AdamWOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 1e-2;
  bool amsgrad = false;
};

/// t = step;  g = grad + weight_decay p;  m = beta1 m + (1 - beta1) g;
/// v = beta2 v + (1 - beta2) g^2 (amsgrad: vmax = max(vmax, v) is used in place of v);
/// p -= lr / (1 - beta1^t) m / (sqrt(v) / sqrt(1 - beta2^t) + eps).
/// Group::momentum is beta1 (OneCycleLR cycles it).
/// `Adam opt(model.parameters(), {.lr = 1e-3});`
class Adam final : public Optimizer {
 public:
  using Options = AdamOptions;

  Adam(std::vector<Tensor> params, const Options& options = {});
  Adam(std::vector<ParamGroup> groups, const Options& options = {});
  const Options& options() const { return options_; }

 private:
  void update(const Group& group, float* param, const float* grad, size_t n,
              ParamState& state) override;
  void check_group(const Group& group, size_t index) const override;

  Options options_;
};

/// Adam with decoupled weight decay: p *= 1 - lr weight_decay first, then Adam's update on the
/// raw gradient (no L2 term in g).
class AdamW final : public Optimizer {
 public:
  using Options = AdamWOptions;

  AdamW(std::vector<Tensor> params, const Options& options = {});
  AdamW(std::vector<ParamGroup> groups, const Options& options = {});
  const Options& options() const { return options_; }

 private:
  void update(const Group& group, float* param, const float* grad, size_t n,
              ParamState& state) override;
  void check_group(const Group& group, size_t index) const override;

  Options options_;
};

}  // namespace plexus::optim
