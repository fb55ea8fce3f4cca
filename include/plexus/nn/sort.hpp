// px::nn::Sort: each row's values in ascending order (torch.sort(x, dim=-1).values). Put after the
// last Linear of a network trained with the quantile loss at ascending levels, it makes the
// quantiles non-crossing by construction: the rearrangement of Chernozhukov, Fernandez-Val and
// Galichon (2010), which never makes quantile estimates worse. No parameters.
#pragma once

#include <string>

#include "plexus/nn/module.hpp"

namespace plexus::nn {

class Sort : public Module {
 public:
  /// x: [B, Q] (or [..., Q]) -> the same shape, each row ascending
  Tensor forward(const Tensor& x) override;
  std::string name() const override { return "Sort()"; }
  std::string type() const override { return "Sort"; }
};

}  // namespace plexus::nn
