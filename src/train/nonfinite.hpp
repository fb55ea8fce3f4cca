// The NaN/Inf check of fit(): a fast test of the gradients after each backward, and the
// diagnosis that names the epoch, the step and the parameter to blame when it fails.
#pragma once

#include <cstddef>

#include "plexus/tensor/named_tensors.hpp"

namespace plexus::nn {
class Module;
}

namespace plexus::train {

/// Whether every defined gradient of `parameters` is finite.
bool gradients_finite(const NamedTensors& parameters);

/// Throws DivergedError (plexus/train/fit.hpp) for a step whose loss or gradients are not finite:
/// it blames the first parameter (in named_parameters() order) whose gradient is not finite, else
/// the first whose value is not, else the loss itself.
[[noreturn]] void throw_diverged(const nn::Module& model, const NamedTensors& parameters,
                                 size_t epoch, size_t step, double loss);

}  // namespace plexus::train
