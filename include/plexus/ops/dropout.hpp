// Inverted dropout as an op (src/ops/dropout.cpp); its module is nn::Dropout.
#pragma once

#include "plexus/tensor/random.hpp"
#include "plexus/tensor/tensor.hpp"

namespace plexus {

/// y = x * m / (1 - p), m_i ~ Bernoulli(1 - p) drawn from `generator`; p in [0, 1).
/// dx = dy * m / (1 - p), from the saved mask.
Tensor dropout(const Tensor& x, float p, Generator& generator);

}  // namespace plexus
