// L1 and L2 penalties: loss terms over any set of parameters, added to the data loss before
// backward(). They are coupled regularization (the penalty's gradient joins the data gradient and
// then passes through the optimizer's scaling), unlike AdamW's decoupled weight decay, which
// shrinks the weights directly.
#pragma once

#include <vector>

#include "plexus/tensor/tensor.hpp"

namespace plexus {

/// lambda * sum over params of sum |w|, a differentiable scalar; d/dw = lambda sign(w) (0 at 0).
/// Drives small weights to exactly zero (sparse weights).
Tensor l1_penalty(const std::vector<Tensor>& params, float lambda);

/// lambda * sum over params of sum w^2 (no 1/2), a differentiable scalar; d/dw = 2 lambda w.
/// So SGD's weight_decay = wd equals l2_penalty with lambda = wd / 2 (for SGD, not for Adam's
/// adaptive scaling, and never for AdamW's decoupled decay).
Tensor l2_penalty(const std::vector<Tensor>& params, float lambda);

}  // namespace plexus
