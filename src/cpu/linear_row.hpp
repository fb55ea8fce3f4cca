// One input row through a linear layer, y = W x + b, for inference at batch 1: the rows of W are
// split across plexus' workers (cpu/workers.hpp), each a dot product with x.
#pragma once

#include <cstddef>

namespace plexus::cpu {

/// y[j] = bias[j] + sum_k w[j * in + k] x[k] for j < out, W row-major [out, in]; bias may be null.
/// Splits W's rows across up to `threads` threads where the layer is big enough to gain from it.
void linear_row(const float* x, const float* w, const float* bias, float* y, size_t in, size_t out,
                size_t threads);

}  // namespace plexus::cpu
