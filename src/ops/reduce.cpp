// Reductions: sum and mean (all elements or along a dimension), max/min with their gradient routed
// to the chosen element, argmax/argmin. Along a dimension the input is viewed as [Outer, N, Inner]:
// N is the reduced dimension, Outer and Inner the products of the dimensions before and after it.
#include <cmath>
#include <limits>

#include "cpu/reduce.hpp"
#include "ops/common.hpp"
#include "plexus/ops.hpp"

namespace plexus {

using autograd::Op;
using ops::BackwardContext;

namespace {

struct DimSizes {
  size_t outer = 1, n = 1, inner = 1;
};

struct DimView : DimSizes {
  Shape out_shape;
};

DimView view_along(const Tensor& x, int64_t dim, bool keepdim, const char* op) {
  ops::require_defined(x, op);
  const Shape& shape = x.shape();
  const size_t a = ops::normalize_dim(dim, shape.rank(), op, shape);
  DimView v;
  for (size_t i = 0; i < shape.rank(); ++i) {
    const auto d = static_cast<size_t>(shape[i]);
    if (i < a) v.outer *= d;
    if (i == a) v.n = d;
    if (i > a) v.inner *= d;
    if (i != a) {
      v.out_shape.push_back(shape[i]);
    } else if (keepdim) {
      v.out_shape.push_back(1);
    }
  }
  return v;
}

// sum along the dimension, times `scale` (1 for sum, 1/N for mean); d/dx = scale, spread over N
Tensor sum_along(const Tensor& x, int64_t dim, bool keepdim, float scale, Op op) {
  const DimView v = view_along(x, dim, keepdim, autograd::op_name(op).data());
  Tensor y = Tensor::zeros(v.out_shape);
  const float* px = x.data();
  float* py = y.data();
  for (size_t o = 0; o < v.outer; ++o)
    for (size_t k = 0; k < v.n; ++k) {
      const float* row = px + (o * v.n + k) * v.inner;
      float* acc = py + o * v.inner;
      for (size_t j = 0; j < v.inner; ++j) acc[j] += row[j];
    }
  if (scale != 1.0f)
    for (size_t i = 0; i < y.numel(); ++i) py[i] *= scale;
  return autograd::record(op, std::move(y), {x}, [v = DimSizes(v), scale](BackwardContext& c) {
    float* dx = c.input_grad(0);
    const float* dy = c.output_grad();
    for (size_t o = 0; o < v.outer; ++o)
      for (size_t k = 0; k < v.n; ++k) {
        float* row = dx + (o * v.n + k) * v.inner;
        const float* g = dy + o * v.inner;
        for (size_t j = 0; j < v.inner; ++j) row[j] += scale * g[j];
      }
  });
}

// Index along the dimension of the first extreme element for each (outer, inner) position.
template <typename Better>
std::vector<uint32_t> extreme_indices(const float* px, const DimSizes& v, Better better) {
  std::vector<uint32_t> best(v.outer * v.inner, 0);
  for (size_t o = 0; o < v.outer; ++o)
    for (size_t j = 0; j < v.inner; ++j) {
      const float* base = px + o * v.n * v.inner + j;
      uint32_t arg = 0;
      float value = base[0];
      for (size_t k = 1; k < v.n; ++k) {
        const float candidate = base[k * v.inner];
        // NOTE: NaN wins, so a NaN in the input shows in the output, as in PyTorch.
        if (!std::isnan(value) && (better(candidate, value) || std::isnan(candidate))) {
          value = candidate;
          arg = static_cast<uint32_t>(k);
        }
      }
      best[o * v.inner + j] = arg;
    }
  return best;
}

// max/min along the dimension: y = x[argmax]; the gradient goes to that one element.
template <typename Better>
Tensor extreme_along(const Tensor& x, int64_t dim, bool keepdim, Op op, Better better) {
  const char* name = autograd::op_name(op).data();
  const DimView v = view_along(x, dim, keepdim, name);
  PLEXUS_CHECK(v.n > 0, name, ": cannot reduce an empty dimension of shape ", x.shape());
  std::vector<uint32_t> arg = extreme_indices(x.data(), v, better);
  Tensor y = Tensor::empty(v.out_shape);
  for (size_t o = 0; o < v.outer; ++o)
    for (size_t j = 0; j < v.inner; ++j) {
      const size_t i = o * v.inner + j;
      y.data()[i] = x.data()[(o * v.n + arg[i]) * v.inner + j];
    }
  return autograd::record(op, std::move(y), {x},
                          [v = DimSizes(v), arg = std::move(arg)](BackwardContext& c) {
                            float* dx = c.input_grad(0);
                            const float* dy = c.output_grad();
                            for (size_t o = 0; o < v.outer; ++o)
                              for (size_t j = 0; j < v.inner; ++j) {
                                const size_t i = o * v.inner + j;
                                dx[(o * v.n + arg[i]) * v.inner + j] += dy[i];
                              }
                          });
}

template <typename Better>
Tensor arg_along(const Tensor& x, int64_t dim, bool keepdim, const char* name, Better better) {
  const DimView v = view_along(x, dim, keepdim, name);
  PLEXUS_CHECK(v.n > 0, name, ": cannot reduce an empty dimension of shape ", x.shape());
  const std::vector<uint32_t> arg = extreme_indices(x.data(), v, better);
  Tensor y = Tensor::empty(v.out_shape);
  for (size_t i = 0; i < arg.size(); ++i) y.data()[i] = static_cast<float>(arg[i]);
  return y;
}

constexpr auto kGreater = [](float a, float b) { return a > b; };
constexpr auto kLess = [](float a, float b) { return a < b; };

}  // namespace

// sum(x) = Σ x_i;  d/dx_i = 1
Tensor sum(const Tensor& x) {
  ops::require_defined(x, "sum");
  // NOTE: double accumulation keeps large sums accurate
  Tensor y = Tensor::scalar(static_cast<float>(cpu::sum(x.data(), x.numel())));
  return autograd::record(Op::sum, std::move(y), {x}, [](BackwardContext& c) {
    float* dx = c.input_grad(0);
    const float g = c.output_grad()[0];
    for (size_t i = 0; i < c.input_numel(0); ++i) dx[i] += g;
  });
}

// mean(x) = Σ x_i / n;  d/dx_i = 1/n
Tensor mean(const Tensor& x) {
  ops::require_defined(x, "mean");
  const size_t n = x.numel();
  Tensor y = Tensor::scalar(static_cast<float>(cpu::sum(x.data(), n) / static_cast<double>(n)));
  return autograd::record(Op::mean, std::move(y), {x}, [](BackwardContext& c) {
    float* dx = c.input_grad(0);
    const size_t count = c.input_numel(0);
    const float g = c.output_grad()[0] / static_cast<float>(count);
    for (size_t i = 0; i < count; ++i) dx[i] += g;
  });
}

Tensor sum(const Tensor& x, int64_t dim, bool keepdim) {
  return sum_along(x, dim, keepdim, 1.0f, Op::sum_dim);
}

Tensor mean(const Tensor& x, int64_t dim, bool keepdim) {
  ops::require_defined(x, "mean_dim");
  const size_t a = ops::normalize_dim(dim, x.rank(), "mean_dim", x.shape());
  const auto n = static_cast<float>(x.shape()[a]);
  return sum_along(x, dim, keepdim, 1.0f / n, Op::mean_dim);
}

Tensor max(const Tensor& x, int64_t dim, bool keepdim) {
  return extreme_along(x, dim, keepdim, Op::max_dim, kGreater);
}

Tensor min(const Tensor& x, int64_t dim, bool keepdim) {
  return extreme_along(x, dim, keepdim, Op::min_dim, kLess);
}

Tensor max(const Tensor& x) {
  ops::require_defined(x, "max");
  return max(x.reshape({static_cast<int64_t>(x.numel())}), 0);
}

Tensor min(const Tensor& x) {
  ops::require_defined(x, "min");
  return min(x.reshape({static_cast<int64_t>(x.numel())}), 0);
}

Tensor argmax(const Tensor& x, int64_t dim, bool keepdim) {
  return arg_along(x, dim, keepdim, "argmax", kGreater);
}

Tensor argmin(const Tensor& x, int64_t dim, bool keepdim) {
  return arg_along(x, dim, keepdim, "argmin", kLess);
}

Tensor Tensor::sum() const { return plexus::sum(*this); }
Tensor Tensor::mean() const { return plexus::mean(*this); }

}  // namespace plexus
