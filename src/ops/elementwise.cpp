// Element-wise ops: arithmetic with broadcasting, ops with a scalar, and the unary functions.
// Each op's derivative sits beside its forward, as the lambda(s) after it.
#include <cmath>

#include "ops/broadcast.hpp"
#include "ops/common.hpp"
#include "plexus/ops.hpp"

namespace plexus {
namespace ops {

size_t normalize_dim(int64_t dim, size_t rank, const char* op, const Shape& shape) {
  const auto r = static_cast<int64_t>(rank);
  PLEXUS_CHECK(dim >= -r && dim < r, op, ": dim ", dim, " is out of range for shape ", shape);
  return static_cast<size_t>(dim < 0 ? dim + r : dim);
}

namespace {

// y = f(a, b) with broadcasting; backward da += reduce(dy * grad_a(a, b, y)), likewise for b.
template <typename Forward, typename GradA, typename GradB>
Tensor binary(Op op, const Tensor& a, const Tensor& b, Forward f, GradA grad_a, GradB grad_b) {
  const char* name = autograd::op_name(op).data();
  require_defined(a, name);
  require_defined(b, name);
  const BroadcastPlan plan(a.shape(), b.shape(), name);
  Tensor y = Tensor::empty(plan.out);
  const float* pa = a.data();
  const float* pb = b.data();
  float* py = y.data();
  for_each_broadcast(plan, [&](size_t i, size_t ia, size_t ib) { py[i] = f(pa[ia], pb[ib]); });
  return record(op, std::move(y), {a, b}, [grad_a, grad_b](BackwardContext& c) {
    const BroadcastPlan plan(c.input_shape(0), c.input_shape(1), "backward");
    const float* pa = c.input_data(0);
    const float* pb = c.input_data(1);
    const float* py = c.output();
    const float* dy = c.output_grad();
    if (float* da = c.input_grad(0))
      for_each_broadcast(plan, [&](size_t i, size_t ia, size_t ib) {
        da[ia] += dy[i] * grad_a(pa[ia], pb[ib], py[i]);
      });
    if (float* db = c.input_grad(1))
      for_each_broadcast(plan, [&](size_t i, size_t ia, size_t ib) {
        db[ib] += dy[i] * grad_b(pa[ia], pb[ib], py[i]);
      });
  });
}

// A comparison mask: 1 where predicate(a, b) holds. Not differentiable, so never recorded.
template <typename Predicate>
Tensor compare(const char* name, const Tensor& a, const Tensor& b, Predicate predicate) {
  require_defined(a, name);
  require_defined(b, name);
  const BroadcastPlan plan(a.shape(), b.shape(), name);
  Tensor y = Tensor::empty(plan.out);
  const float* pa = a.data();
  const float* pb = b.data();
  float* py = y.data();
  for_each_broadcast(plan, [&](size_t i, size_t ia, size_t ib) {
    py[i] = predicate(pa[ia], pb[ib]) ? 1.0f : 0.0f;
  });
  return y;
}

}  // namespace
}  // namespace ops

using ops::binary;
using ops::unary;
using Op = autograd::Op;

// ---- arithmetic with broadcasting --------------------------------------------------------------
// d(a+b) = (1, 1)
Tensor add(const Tensor& a, const Tensor& b) {
  return binary(
      Op::add, a, b, [](float x, float y) { return x + y; },
      [](float, float, float) { return 1.0f; }, [](float, float, float) { return 1.0f; });
}

// d(a-b) = (1, -1)
Tensor sub(const Tensor& a, const Tensor& b) {
  return binary(
      Op::sub, a, b, [](float x, float y) { return x - y; },
      [](float, float, float) { return 1.0f; }, [](float, float, float) { return -1.0f; });
}

// d(ab) = (b, a)
Tensor mul(const Tensor& a, const Tensor& b) {
  return binary(
      Op::mul, a, b, [](float x, float y) { return x * y; },
      [](float, float y, float) { return y; }, [](float x, float, float) { return x; });
}

// d(a/b) = (1/b, -a/b^2)
Tensor div(const Tensor& a, const Tensor& b) {
  return binary(
      Op::div, a, b, [](float x, float y) { return x / y; },
      [](float, float y, float) { return 1.0f / y; },
      [](float x, float y, float) { return -x / (y * y); });
}

// d(a^b) = (b a^(b-1), a^b ln a)
Tensor pow(const Tensor& a, const Tensor& b) {
  return binary(
      Op::pow, a, b, [](float x, float y) { return std::pow(x, y); },
      [](float x, float y, float) { return y == 0.0f ? 0.0f : y * std::pow(x, y - 1.0f); },
      // NOTE: PyTorch defines the exponent's gradient as 0 where a = 0 and b >= 0.
      [](float x, float y, float z) { return (x == 0.0f && y >= 0.0f) ? 0.0f : z * std::log(x); });
}

// d max(a, b) = (1, 0) where a >= b, else (0, 1)
Tensor maximum(const Tensor& a, const Tensor& b) {
  return binary(
      Op::maximum, a, b, [](float x, float y) { return x >= y ? x : y; },
      [](float x, float y, float) { return x >= y ? 1.0f : 0.0f; },
      [](float x, float y, float) { return x >= y ? 0.0f : 1.0f; });
}

Tensor minimum(const Tensor& a, const Tensor& b) {
  return binary(
      Op::minimum, a, b, [](float x, float y) { return x <= y ? x : y; },
      [](float x, float y, float) { return x <= y ? 1.0f : 0.0f; },
      [](float x, float y, float) { return x <= y ? 0.0f : 1.0f; });
}

Tensor neg(const Tensor& x) {
  return unary(
      Op::neg, x, [](float v) { return -v; }, [](float, float) { return -1.0f; });
}

// ---- with a scalar -----------------------------------------------------------------------------
Tensor add(const Tensor& x, float s) {
  return unary(
      Op::add_scalar, x, [s](float v) { return v + s; }, [](float, float) { return 1.0f; });
}

Tensor sub(const Tensor& x, float s) { return add(x, -s); }

Tensor sub(float s, const Tensor& x) {
  return unary(
      Op::rsub_scalar, x, [s](float v) { return s - v; }, [](float, float) { return -1.0f; });
}

Tensor mul(const Tensor& x, float s) {
  return unary(
      Op::mul_scalar, x, [s](float v) { return v * s; }, [s](float, float) { return s; });
}

Tensor div(const Tensor& x, float s) { return mul(x, 1.0f / s); }

// d(s/x) = -s/x^2 = -y/x
Tensor div(float s, const Tensor& x) {
  return unary(
      Op::rdiv_scalar, x, [s](float v) { return s / v; },
      [s](float v, float) { return -s / (v * v); });
}

// d(x^p) = p x^(p-1)
Tensor pow(const Tensor& x, float exponent) {
  return unary(
      Op::pow_scalar, x, [exponent](float v) { return std::pow(v, exponent); },
      [exponent](float v, float) {
        return exponent == 0.0f ? 0.0f : exponent * std::pow(v, exponent - 1.0f);
      });
}

// ---- functions ---------------------------------------------------------------------------------
// d e^x = e^x = y
Tensor exp(const Tensor& x) {
  return unary(
      Op::exp, x, [](float v) { return std::exp(v); }, [](float, float y) { return y; });
}

// d ln x = 1/x
Tensor log(const Tensor& x) {
  return unary(
      Op::log, x, [](float v) { return std::log(v); }, [](float v, float) { return 1.0f / v; });
}

// d sqrt(x) = 1 / (2 sqrt(x)) = 1 / (2y)
Tensor sqrt(const Tensor& x) {
  return unary(
      Op::sqrt, x, [](float v) { return std::sqrt(v); }, [](float, float y) { return 0.5f / y; });
}

// d|x| = sign(x); NOTE: 0 at x = 0, as in PyTorch
Tensor abs(const Tensor& x) {
  return unary(
      Op::abs, x, [](float v) { return std::fabs(v); },
      [](float v, float) { return v > 0.0f ? 1.0f : (v < 0.0f ? -1.0f : 0.0f); });
}

// d x^2 = 2x
Tensor square(const Tensor& x) {
  return unary(
      Op::square, x, [](float v) { return v * v; }, [](float v, float) { return 2.0f * v; });
}

// NOTE: the gradient passes at the bounds themselves (low <= x <= high), as in PyTorch.
Tensor clamp(const Tensor& x, float low, float high) {
  PLEXUS_CHECK(!(low > high), "clamp: low ", low, " is greater than high ", high);
  return unary(
      Op::clamp, x, [low, high](float v) { return v < low ? low : (v > high ? high : v); },
      [low, high](float v, float) { return (v >= low && v <= high) ? 1.0f : 0.0f; });
}

// ---- comparisons -------------------------------------------------------------------------------
Tensor gt(const Tensor& a, const Tensor& b) {
  return ops::compare("gt", a, b, [](float x, float y) { return x > y; });
}
Tensor ge(const Tensor& a, const Tensor& b) {
  return ops::compare("ge", a, b, [](float x, float y) { return x >= y; });
}
Tensor lt(const Tensor& a, const Tensor& b) {
  return ops::compare("lt", a, b, [](float x, float y) { return x < y; });
}
Tensor le(const Tensor& a, const Tensor& b) {
  return ops::compare("le", a, b, [](float x, float y) { return x <= y; });
}
Tensor eq(const Tensor& a, const Tensor& b) {
  return ops::compare("eq", a, b, [](float x, float y) { return x == y; });
}
Tensor ne(const Tensor& a, const Tensor& b) {
  return ops::compare("ne", a, b, [](float x, float y) { return x != y; });
}
Tensor gt(const Tensor& a, float b) { return gt(a, Tensor::scalar(b)); }
Tensor ge(const Tensor& a, float b) { return ge(a, Tensor::scalar(b)); }
Tensor lt(const Tensor& a, float b) { return lt(a, Tensor::scalar(b)); }
Tensor le(const Tensor& a, float b) { return le(a, Tensor::scalar(b)); }
Tensor eq(const Tensor& a, float b) { return eq(a, Tensor::scalar(b)); }
Tensor ne(const Tensor& a, float b) { return ne(a, Tensor::scalar(b)); }

// where(c, a, b): the gradient goes to a where c != 0, to b elsewhere. All three are broadcast
// to one shape first (broadcast_to sums the gradient back), so the kernel is a flat loop.
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b) {
  ops::require_defined(condition, "where");
  ops::require_defined(a, "where");
  ops::require_defined(b, "where");
  const Shape shape =
      broadcast_shapes(condition.shape(), broadcast_shapes(a.shape(), b.shape(), "where"), "where");
  const Tensor c = condition.shape() == shape ? condition : broadcast_to(condition, shape);
  const Tensor ea = a.shape() == shape ? a : broadcast_to(a, shape);
  const Tensor eb = b.shape() == shape ? b : broadcast_to(b, shape);
  Tensor y = Tensor::empty(shape);
  const float* pc = c.data();
  const float* pa = ea.data();
  const float* pb = eb.data();
  float* py = y.data();
  for (size_t i = 0; i < y.numel(); ++i) py[i] = pc[i] != 0.0f ? pa[i] : pb[i];
  return autograd::record(Op::where, std::move(y), {c, ea, eb}, [](ops::BackwardContext& ctx) {
    const float* pc = ctx.input_data(0);
    const float* dy = ctx.output_grad();
    if (float* da = ctx.input_grad(1))
      for (size_t i = 0; i < ctx.numel(); ++i) da[i] += pc[i] != 0.0f ? dy[i] : 0.0f;
    if (float* db = ctx.input_grad(2))
      for (size_t i = 0; i < ctx.numel(); ++i) db[i] += pc[i] != 0.0f ? 0.0f : dy[i];
  });
}

}  // namespace plexus
