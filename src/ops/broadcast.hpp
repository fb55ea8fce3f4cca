// Iteration over two operands broadcast to a common output shape (numpy rules). Dimensions are
// collapsed first, so same-shape operands run as one flat loop and a row vector over a batch as a
// loop of rows; the innermost loop always has unit or zero strides, which compilers vectorise.
#pragma once

#include <cstddef>
#include <cstdint>

#include "plexus/tensor/shape.hpp"

namespace plexus::ops {

struct BroadcastPlan {
  Shape out;                 // the broadcast result shape
  Shape sizes;               // collapsed dimensions of the iteration
  Shape stride_a, stride_b;  // element strides per collapsed dimension; 0 where broadcast
  size_t numel = 0;

  BroadcastPlan(const Shape& a, const Shape& b, const char* op);
};

template <int StrideA, int StrideB, typename F>
inline void broadcast_inner(F& f, size_t i, size_t ia, size_t ib, size_t n) {
  for (size_t k = 0; k < n; ++k) f(i + k, ia + StrideA * k, ib + StrideB * k);
}

/// Calls f(out_index, a_index, b_index) once per output element, in row-major order.
template <typename F>
void for_each_broadcast(const BroadcastPlan& plan, F&& f) {
  const size_t rank = plan.sizes.rank();
  if (plan.numel == 0) return;
  if (rank == 0) {
    f(size_t{0}, size_t{0}, size_t{0});
    return;
  }
  const auto n = static_cast<size_t>(plan.sizes[rank - 1]);
  const int64_t sa = plan.stride_a[rank - 1];
  const int64_t sb = plan.stride_b[rank - 1];
  Shape counter;
  counter.resize(rank - 1, 0);
  size_t ia = 0, ib = 0;
  for (size_t i = 0; i < plan.numel; i += n) {
    if (sa && sb) {
      broadcast_inner<1, 1>(f, i, ia, ib, n);
    } else if (sa) {
      broadcast_inner<1, 0>(f, i, ia, ib, n);
    } else if (sb) {
      broadcast_inner<0, 1>(f, i, ia, ib, n);
    } else {
      broadcast_inner<0, 0>(f, i, ia, ib, n);
    }
    for (size_t d = rank - 1; d-- > 0;) {
      ia += static_cast<size_t>(plan.stride_a[d]);
      ib += static_cast<size_t>(plan.stride_b[d]);
      if (++counter[d] < plan.sizes[d]) break;
      ia -= static_cast<size_t>(plan.stride_a[d] * plan.sizes[d]);
      ib -= static_cast<size_t>(plan.stride_b[d] * plan.sizes[d]);
      counter[d] = 0;
    }
  }
}

}  // namespace plexus::ops
