// Non-owning access to a tensor's gradient, for the optimizers' loop over parameters: no
// handle is made, so no reference count (an atomic operation each way) changes per parameter per
// step. Internal to the library; users read gradients through Tensor::grad().
#pragma once

#include "plexus/tensor/tensor.hpp"

namespace plexus::detail {

/// The gradient values of `t` (a defined tensor), or nullptr when it has no gradient.
const float* grad_data(const Tensor& t);

}  // namespace plexus::detail
