// Data movement: reshape, transpose, broadcast, concat, stack, row gathers (src/ops/shape_ops.cpp).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>

#include "plexus/tensor/tensor.hpp"

namespace plexus {

// ---- shape ------------------------------------------------------------------------------------
Tensor reshape(const Tensor& x, const Shape& shape);
Tensor transpose(const Tensor& x);  ///< 2-D: [M, N] -> [N, M]
/// x stretched to `shape` by numpy's broadcasting rules (a copy). Backward sums the copies.
Tensor broadcast_to(const Tensor& x, const Shape& shape);
/// Joins tensors along an existing dim; the other dimensions must agree.
Tensor concat(std::span<const Tensor> tensors, int64_t dim = 0);
Tensor concat(std::initializer_list<Tensor> tensors, int64_t dim = 0);
/// Joins same-shaped tensors along a new dim.
Tensor stack(std::span<const Tensor> tensors, int64_t dim = 0);
Tensor stack(std::initializer_list<Tensor> tensors, int64_t dim = 0);
/// Rows of x (along dimension 0) at the given indices, in that order: a mini-batch gather.
Tensor index_rows(const Tensor& x, std::span<const int64_t> indices);

// ---- order ------------------------------------------------------------------------------------
/// Each row's values in ascending order along the last dimension (torch.sort(x, dim=-1).values).
/// Backward sends each gradient back through the permutation to the element that moved there;
/// equal values keep their order (a stable sort), so ties are sent back one to one.
Tensor sort(const Tensor& x);

}  // namespace plexus
