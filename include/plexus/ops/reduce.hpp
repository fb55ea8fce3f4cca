// Reductions (src/ops/reduce.cpp).
#pragma once

#include <cstdint>

#include "plexus/tensor/tensor.hpp"

namespace plexus {

// ---- reductions (dim may be negative: -1 is the last dimension) ------------------------------
Tensor sum(const Tensor& x);   ///< all elements -> scalar
Tensor mean(const Tensor& x);  ///< all elements -> scalar
Tensor sum(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor mean(const Tensor& x, int64_t dim, bool keepdim = false);
/// Largest value along `dim`; the gradient goes to the first maximal element.
Tensor max(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor min(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor max(const Tensor& x);  ///< largest element -> scalar
Tensor min(const Tensor& x);  ///< smallest element -> scalar
/// Index of the first largest value along `dim` (as float), outside the graph.
Tensor argmax(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor argmin(const Tensor& x, int64_t dim, bool keepdim = false);

/// How a loss turns per-element values into its result: their mean, their sum, or none (the
/// values themselves).
enum class Reduction { mean, sum, none };

}  // namespace plexus
