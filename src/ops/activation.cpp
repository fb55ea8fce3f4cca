// Activation functions: each one op whose forward and backward sit together, with the derivative
// in the comment above it. Element-wise ones run through ops::unary (plain loops over float*);
// softmax and log_softmax work on lines along a dimension, viewing x as [Outer, N, Inner]: N is the
// softmax dimension, Outer and Inner the products of the dimensions before and after it.
// Every definition, including the value of each derivative at a kink, is PyTorch's.
#include <algorithm>
#include <cmath>
#include <vector>

#include "cpu/activation.hpp"
#include "cpu/softmax.hpp"
#include "cpu/workers.hpp"
#include "ops/common.hpp"
#include "plexus/ops/activation.hpp"

namespace plexus {

using autograd::Op;
using ops::BackwardContext;
using ops::unary;

namespace {

using cpu::kGeluCubic;
using cpu::kInvSqrt2;
using cpu::kInvSqrt2Pi;
using cpu::kSeluAlpha;
using cpu::kSeluScale;
using cpu::kSqrt2OverPi;

// scale * (x if x > 0 else alpha (e^x - 1));  d/dx = scale if x > 0 else scale alpha e^x.
// NOTE: x = 0 takes the exponential side, so elu'(0) = alpha (PyTorch's choice).
Tensor scaled_elu(Op op, const Tensor& x, float alpha, float scale) {
  const float negative_scale = alpha * scale;
  return unary(
      op, x, [=](float v) { return v > 0.0f ? scale * v : negative_scale * std::expm1(v); },
      [=](float v, float) { return v > 0.0f ? scale : negative_scale * std::exp(v); });
}

// ---- softmax along a dimension: the row kernels are cpu/softmax.hpp's ----------------------

struct Lines {
  size_t outer = 1, n = 1, inner = 1;
};

Lines lines_along(const Tensor& x, int64_t dim, const char* op) {
  ops::require_defined(x, op);
  const Shape& shape = x.shape();
  // A scalar is one line of one value, as in PyTorch.
  const size_t a = ops::normalize_dim(dim, std::max<size_t>(shape.rank(), 1), op, shape);
  Lines lines;
  for (size_t i = 0; i < shape.rank(); ++i) {
    const auto d = static_cast<size_t>(shape[i]);
    if (i < a) lines.outer *= d;
    if (i == a) lines.n = d;
    if (i > a) lines.inner *= d;
  }
  return lines;
}

void gather(float* row, const float* line, size_t n, size_t stride) {
  for (size_t k = 0; k < n; ++k) row[k] = line[k * stride];
}

void scatter(float* line, const float* row, size_t n, size_t stride) {
  for (size_t k = 0; k < n; ++k) line[k * stride] = row[k];
}

// y = row_forward(x) on every line along the dimension; backward runs row_backward(dx, y, dy) on
// every line. A strided line (Inner > 1) is copied into contiguous rows and back, so the row
// kernels always see contiguous memory.
template <typename RowForward, typename RowBackward>
Tensor along_dim(Op op, const Tensor& x, int64_t dim, RowForward row_forward,
                 RowBackward row_backward) {
  const Lines d = lines_along(x, dim, autograd::op_name(op).data());
  Tensor y = Tensor::empty(x.shape());
  const float* px = x.data();
  float* py = y.data();
  if (d.inner == 1) {
    for (size_t o = 0; o < d.outer; ++o) row_forward(py + o * d.n, px + o * d.n, d.n);
  } else {
    std::vector<float> in(d.n), out(d.n);
    for (size_t o = 0; o < d.outer; ++o)
      for (size_t j = 0; j < d.inner; ++j) {
        const size_t start = o * d.n * d.inner + j;
        gather(in.data(), px + start, d.n, d.inner);
        row_forward(out.data(), in.data(), d.n);
        scatter(py + start, out.data(), d.n, d.inner);
      }
  }
  return autograd::record(op, std::move(y), {x}, [d, row_backward](BackwardContext& c) {
    float* dx = c.input_grad(0);
    const float* ys = c.output();
    const float* dy = c.output_grad();
    if (d.inner == 1) {
      for (size_t o = 0; o < d.outer; ++o) {
        const size_t start = o * d.n;
        row_backward(dx + start, ys + start, dy + start, d.n);
      }
      return;
    }
    std::vector<float> dx_row(d.n), y_row(d.n), dy_row(d.n);
    for (size_t o = 0; o < d.outer; ++o)
      for (size_t j = 0; j < d.inner; ++j) {
        const size_t start = o * d.n * d.inner + j;
        gather(dx_row.data(), dx + start, d.n, d.inner);
        gather(y_row.data(), ys + start, d.n, d.inner);
        gather(dy_row.data(), dy + start, d.n, d.inner);
        row_backward(dx_row.data(), y_row.data(), dy_row.data(), d.n);
        scatter(dx + start, dx_row.data(), d.n, d.inner);
      }
  });
}

}  // namespace

// sigmoid(x) = 1 / (1 + e^-x);  d/dx = y (1 - y), read from the saved output (no exp again).
Tensor sigmoid(const Tensor& x) {
  return ops::unary_kernel(Op::sigmoid, x, cpu::sigmoid_forward,
                           [](float, float y) { return y * (1.0f - y); });
}

// tanh(x);  d/dx = 1 - y^2, read from the saved output.
Tensor tanh(const Tensor& x) {
  return unary(
      Op::tanh, x, [](float v) { return std::tanh(v); },
      [](float, float y) { return 1.0f - y * y; });
}

// relu(x) = max(0, x);  d/dx = 1 if x > 0 else 0.  NOTE: relu'(0) = 0, as in PyTorch.
// The backward selects dy where x > 0 instead of multiplying by the derivative, as PyTorch's
// threshold_backward does (0, not NaN, where dy is infinite and x <= 0): the compiler branches on
// `dy * (x > 0 ? 1 : 0)` and leaves that loop scalar; the select it vectorises. A large batch's
// relu is shared with plexus' workers (W1's first layer: 32,768 elements, about 2% of a step at
// two threads left on the caller otherwise); a hand-off costs about a microsecond, this many
// elements about two.
constexpr size_t kMinReluPerThread = 8192;

Tensor relu(const Tensor& x) {
  ops::require_defined(x, "relu");
  Tensor y = Tensor::empty(x.shape());
  const float* __restrict in = x.data();
  float* __restrict out = y.data();
  cpu::run_elementwise(x.numel(), kMinReluPerThread, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) out[i] = in[i] > 0.0f ? in[i] : 0.0f;
  });
  return ops::record(Op::relu, std::move(y), {x}, [](BackwardContext& c) {
    float beta = 0.0f;
    float* __restrict dx = c.input_grad_or_new(0, beta);
    const float* __restrict xs = c.input_data(0);
    const float* __restrict dy = c.output_grad();
    // Both loads unconditional, so that the select is the only branch and becomes a mask.
    const auto selected = [&](size_t i) {
      const float g = dy[i];
      return xs[i] > 0.0f ? g : 0.0f;
    };
    cpu::run_elementwise(c.numel(), kMinReluPerThread, [&](size_t begin, size_t end) {
      if (beta == 0.0f)
        for (size_t i = begin; i < end; ++i) dx[i] = selected(i);
      else
        for (size_t i = begin; i < end; ++i) dx[i] += selected(i);
    });
  });
}

// x if x > 0 else negative_slope x;  d/dx = 1 if x > 0 else negative_slope (also at x = 0).
Tensor leaky_relu(const Tensor& x, float negative_slope) {
  return unary(
      Op::leaky_relu, x, [negative_slope](float v) { return v > 0.0f ? v : negative_slope * v; },
      [negative_slope](float v, float) { return v > 0.0f ? 1.0f : negative_slope; });
}

// x if x > 0 else alpha (e^x - 1);  d/dx = 1 if x > 0 else alpha e^x (alpha at x = 0).
Tensor elu(const Tensor& x, float alpha) { return scaled_elu(Op::elu, x, alpha, 1.0f); }

// scale * elu(x, alpha) with PyTorch's fixed alpha and scale;  selu'(0) = scale alpha.
Tensor selu(const Tensor& x) { return scaled_elu(Op::selu, x, kSeluAlpha, kSeluScale); }

// none: x Phi(x) = x (1 + erf(x / sqrt 2)) / 2;  d/dx = Phi(x) + x phi(x), phi(x) =
// e^(-x^2/2)/sqrt(2 pi) tanh: x (1 + tanh(u)) / 2 with u = sqrt(2/pi) (x + 0.044715 x^3);
//       d/dx = (1 + tanh u) / 2 + x/2 (1 - tanh^2 u) sqrt(2/pi) (1 + 3 * 0.044715 x^2)
Tensor gelu(const Tensor& x, GeluApproximation approximate) {
  if (approximate == GeluApproximation::tanh)
    return unary(
        Op::gelu, x,
        [](float v) {
          const float u = kSqrt2OverPi * (v + kGeluCubic * v * v * v);
          return 0.5f * v * (1.0f + std::tanh(u));
        },
        [](float v, float) {
          const float t = std::tanh(kSqrt2OverPi * (v + kGeluCubic * v * v * v));
          const float du = kSqrt2OverPi * (1.0f + 3.0f * kGeluCubic * v * v);
          return 0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * du;
        });
  return unary(
      Op::gelu, x, [](float v) { return 0.5f * v * (1.0f + std::erf(v * kInvSqrt2)); },
      [](float v, float) {
        const float cdf = 0.5f * (1.0f + std::erf(v * kInvSqrt2));
        const float pdf = kInvSqrt2Pi * std::exp(-0.5f * v * v);
        return cdf + v * pdf;
      });
}

// silu(x) = x sigmoid(x);  d/dx = s (1 + x (1 - s)), s = sigmoid(x)
Tensor silu(const Tensor& x) {
  return unary(
      Op::silu, x, [](float v) { return v / (1.0f + std::exp(-v)); },
      [](float v, float) {
        const float s = cpu::sigmoid(v);
        return s * (1.0f + v * (1.0f - s));
      });
}

// log(1 + e^(beta x)) / beta, or x where beta x > threshold;  d/dx = sigmoid(beta x), or 1.
// NOTE: "> threshold" is strict, as in PyTorch: beta x == threshold stays on the log branch.
// The log branch is written as max(bx, 0) + log1p(e^-|bx|), equal to log1p(e^bx) but finite
// for any threshold.
Tensor softplus(const Tensor& x, float beta, float threshold) {
  PLEXUS_CHECK(beta != 0.0f, "softplus: beta must be non-zero");
  return unary(
      Op::softplus, x,
      [beta, threshold](float v) {
        const float bx = beta * v;
        if (bx > threshold) return v;
        return cpu::log1p_exp(bx) / beta;
      },
      [beta, threshold](float v, float) {
        const float bx = beta * v;
        return bx > threshold ? 1.0f : cpu::sigmoid(bx);
      });
}

// softmax(x)_k = e^(x_k) / sum_j e^(x_j) along `dim`;  dx = y (dy - sum(dy y))
Tensor softmax(const Tensor& x, int64_t dim) {
  return along_dim(
      Op::softmax, x, dim, [](float* y, const float* in, size_t n) { cpu::softmax_row(y, in, n); },
      cpu::softmax_row_backward);
}

// log_softmax(x)_k = x_k - log sum_j e^(x_j) along `dim`;  dx = dy - e^y sum(dy)
Tensor log_softmax(const Tensor& x, int64_t dim) {
  return along_dim(Op::log_softmax, x, dim, cpu::log_softmax_row, cpu::log_softmax_row_backward);
}

}  // namespace plexus
