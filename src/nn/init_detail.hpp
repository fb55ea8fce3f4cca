// Internal: the fills behind px::init, drawing from a caller's generator, so that a layer can
// initialise several tensors from one seed.
#pragma once

#include "plexus/tensor/random.hpp"
#include "plexus/tensor/tensor.hpp"

namespace plexus::init::detail {

/// Every element of t from U(low, high), in row-major order.
void fill_uniform(Tensor& t, float low, float high, Generator& generator);

}  // namespace plexus::init::detail
