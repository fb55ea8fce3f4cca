// Matrix products: matmul and the fused linear layer y = x W^T + b, both through BLAS sgemm.
// M, K, N: the sizes in [M, K] x [K, N]; B = batch rows, In/Out = features of a linear layer.
#include <algorithm>

#include "cpu/blas.hpp"
#include "cpu/linear_row.hpp"
#include "cpu/small_gemm.hpp"
#include "ops/common.hpp"
#include "plexus/cpu/threads.hpp"
#include "plexus/ops.hpp"

namespace plexus {

using autograd::Op;
using ops::BackwardContext;

// C = A B;  dA += dC B^T,  dB += A^T dC  (beta = 1 accumulates straight into the gradients)
Tensor matmul(const Tensor& a, const Tensor& b) {
  ops::require_defined(a, "matmul");
  ops::require_defined(b, "matmul");
  PLEXUS_CHECK(a.rank() == 2 && b.rank() == 2, "matmul: ", a.shape(), " x ", b.shape(),
               ": both operands must be 2-D");
  PLEXUS_CHECK(a.shape()[1] == b.shape()[0], "matmul: ", a.shape(), " x ", b.shape(),
               ": inner sizes differ (", a.shape()[1], " != ", b.shape()[0], ")");
  const auto m = static_cast<size_t>(a.shape()[0]);
  const auto k = static_cast<size_t>(a.shape()[1]);
  const auto n = static_cast<size_t>(b.shape()[1]);
  Tensor c = Tensor::empty({a.shape()[0], b.shape()[1]});
  if (k == 0) {
    std::fill_n(c.data(), c.numel(), 0.0f);
  } else {
    cpu::gemm(false, false, m, n, k, 1.0f, a.data(), b.data(), 0.0f, c.data());
  }
  return autograd::record(Op::matmul, std::move(c), {a, b}, [m, k, n](BackwardContext& ctx) {
    const float* dc = ctx.output_grad();
    float beta = 1.0f;
    if (float* da = ctx.input_grad_or_new(0, beta))
      cpu::gemm(false, true, m, k, n, 1.0f, dc, ctx.input_data(1), beta, da);
    if (float* db = ctx.input_grad_or_new(1, beta))
      cpu::gemm(true, false, k, n, m, 1.0f, ctx.input_data(0), dc, beta, db);
  });
}

namespace {

// Inference at batch 1 (one row, nothing to record): plexus' workers split W's rows, so each core
// streams its share of the weights from its own cache. At 1 thread too, so that the bits do not
// depend on the thread count. False where it does not apply; the caller then takes the BLAS path.
bool linear_one_row(const Tensor& x, const Tensor& weight, const Tensor& bias, size_t rows,
                    Tensor& y) {
  if (rows != 1) return false;
  if (bias.defined() ? autograd::should_record({x, weight, bias})
                     : autograd::should_record({x, weight}))
    return false;
  cpu::linear_row(x.data(), weight.data(), bias.defined() ? bias.data() : nullptr, y.data(),
                  static_cast<size_t>(weight.shape()[1]), static_cast<size_t>(weight.shape()[0]),
                  static_cast<size_t>(num_threads()));
  return true;
}

// sum[j] += m[r, j] over the `rows` rows of m, in order.
void add_rows(float* __restrict sum, const float* __restrict m, size_t rows, size_t width) {
  for (size_t r = 0; r < rows; ++r)
    for (size_t j = 0; j < width; ++j) sum[j] += m[r * width + j];
}

}  // namespace

// y = x W^T + b;  dx += dy W,  dW += dy^T x,  db += column sums of dy
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  ops::require_defined(x, "linear");
  ops::require_defined(weight, "linear");
  // Both are defined: their fields are read directly, not through the handles' checked calls,
  // which add up at W3's sizes.
  const detail::TensorImpl& x_impl = detail::impl_of(x);
  const detail::TensorImpl& w_impl = detail::impl_of(weight);
  const Shape& x_shape = x_impl.shape;
  const Shape& w_shape = w_impl.shape;
  PLEXUS_CHECK(w_shape.rank() == 2, "linear: weight must be 2-D [Out, In], got ", w_shape);
  const int64_t in = w_shape[1];
  const int64_t out = w_shape[0];
  PLEXUS_CHECK(x_shape.rank() >= 1 && x_shape.back() == in, "linear: input of shape ", x_shape,
               " does not match weight ", w_shape, ": expected ", in,
               " features in its last dimension");
  const float* b = nullptr;
  if (bias.defined()) {
    const Shape& b_shape = detail::impl_of(bias).shape;
    PLEXUS_CHECK(b_shape.rank() == 1 && b_shape[0] == out, "linear: bias of shape ", b_shape,
                 " does not match weight ", w_shape, ": expected [", out, "]");
    b = detail::impl_of(bias).data;
  }
  // The rows of x: the product of its leading dimensions (a multiply each; a division by In
  // costs tens of cycles, and gave no rows at all when In = 0).
  size_t rows = 1;
  for (size_t d = 0; d + 1 < x_shape.rank(); ++d) rows *= static_cast<size_t>(x_shape[d]);
  Shape y_shape = x_shape;
  y_shape[y_shape.rank() - 1] = out;
  Tensor y = Tensor::empty(y_shape);
  if (linear_one_row(x, weight, bias, rows, y)) return y;
  float* py = detail::impl_of(y).data;
  const auto n_out = static_cast<size_t>(out);
  const auto n_in = static_cast<size_t>(in);
  if (cpu::is_small_gemm(rows, n_out, n_in)) {
    // The bias added by the product's own pass: no copy (a memcpy call) per row first.
    cpu::small_gemm(false, true, rows, n_out, n_in, 1.0f, x_impl.data, w_impl.data, 0.0f, py, b);
  } else {
    if (b) {
      for (size_t r = 0; r < rows; ++r) std::copy_n(b, out, py + r * out);
    } else {
      std::fill_n(py, rows * n_out, 0.0f);
    }
    cpu::gemm(false, true, rows, n_out, n_in, 1.0f, x_impl.data, w_impl.data, 1.0f, py);
  }

  auto backward = [rows, in, out](BackwardContext& c) {
    const float* dy = c.output_grad();
    const auto n_in = static_cast<size_t>(in);
    const auto n_out = static_cast<size_t>(out);
    float beta = 1.0f;
    if (float* dx = c.input_grad_or_new(0, beta))
      cpu::gemm(false, false, rows, n_in, n_out, 1.0f, dy, c.input_data(1), beta, dx);
    if (float* dw = c.input_grad_or_new(1, beta))
      cpu::gemm(true, false, n_out, n_in, rows, 1.0f, dy, c.input_data(0), beta, dw);
    if (c.input_count() > 2)
      if (float* db = c.input_grad_or_new(2, beta)) {
        size_t r = 0;
        if (beta == 0.0f) {  // a new buffer starts as the first row, not zero-filled and added to
          if (rows == 0) {
            std::fill_n(db, n_out, 0.0f);
          } else {
            std::copy_n(dy, n_out, db);
            r = 1;
          }
        }
        add_rows(db, dy + r * n_out, rows - r, n_out);
      }
  };
  if (bias.defined())
    return autograd::record(Op::linear, std::move(y), {x, weight, bias}, backward);
  return autograd::record(Op::linear, std::move(y), {x, weight}, backward);
}

}  // namespace plexus
