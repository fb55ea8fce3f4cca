// Non-owning access to a tensor's gradient, for the optimizers' loop over parameters: no
// handle is made, so no reference count (an atomic operation each way) changes per parameter per
// step. Internal to the library; users read gradients through Tensor::grad().
#pragma once

#include "plexus/tensor/tensor.hpp"

namespace plexus::detail {

/// What an optimizer's step reads of a parameter, in one call.
struct ParameterView {
  float* data;
  const float* grad;  // nullptr when it has no gradient
  size_t numel;
};

/// The view of `t`, a defined tensor.
ParameterView parameter_view(const Tensor& t);
/// t.zero_grad(), without making and dropping an empty handle.
void drop_grad(const Tensor& t);

}  // namespace plexus::detail
