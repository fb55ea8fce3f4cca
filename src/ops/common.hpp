// Helpers shared by the op families: argument checks and the element-wise op templates.
#pragma once

#include "autograd/graph.hpp"
#include "base/check.hpp"
#include "plexus/tensor/tensor.hpp"

namespace plexus::ops {

using autograd::BackwardContext;
using autograd::Op;
using autograd::record;

inline void require_defined(const Tensor& t, const char* op) {
  PLEXUS_CHECK(t.defined(), op, ": an input tensor is empty (default-constructed, never assigned)");
}

/// Normalises a possibly negative dim for a tensor of `rank` dimensions.
size_t normalize_dim(int64_t dim, size_t rank, const char* op, const Shape& shape);

/// y = kernel(y, x, n) over the whole of x, for an element-wise op whose kernel works on arrays;
/// backward dx += dy * derivative(x, y).
template <typename Kernel, typename Derivative>
Tensor unary_kernel(Op op, const Tensor& x, Kernel kernel, Derivative derivative) {
  require_defined(x, autograd::op_name(op).data());
  const detail::TensorImpl& input = detail::impl_of(x);  // defined: no checked accessor needed
  Tensor y = detail::adopt(detail::new_tensor_like(input));
  kernel(detail::impl_of(y).data, input.data, input.numel);
  return record(op, std::move(y), {x}, [derivative](BackwardContext& c) {
    // Usually x's first gradient (a layer's output): written, not added to a zero-filled buffer.
    // The restrict pointers let the compiler vectorise without checking for overlap. (Recorded
    // only when x needs a gradient, so dx is never null.)
    float beta = 0.0f;
    float* __restrict dx = c.input_grad_or_new(0, beta);
    const float* __restrict xs = c.input_data(0);
    const float* __restrict ys = c.output();
    const float* __restrict dy = c.output_grad();
    const size_t count = c.numel();
    if (beta == 0.0f)
      for (size_t i = 0; i < count; ++i) dx[i] = dy[i] * derivative(xs[i], ys[i]);
    else
      for (size_t i = 0; i < count; ++i) dx[i] += dy[i] * derivative(xs[i], ys[i]);
  });
}

/// y = f(x) element-wise; backward dx += dy * derivative(x, y).
template <typename Forward, typename Derivative>
Tensor unary(Op op, const Tensor& x, Forward forward, Derivative derivative) {
  return unary_kernel(
      op, x,
      [forward](float* out, const float* in, size_t n) {
        for (size_t i = 0; i < n; ++i) out[i] = forward(in[i]);
      },
      derivative);
}

}  // namespace plexus::ops
