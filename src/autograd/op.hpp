// The list of recorded ops. Each op's name appears in error messages and in the gradient-check
// table (tests/gradcheck/*.cpp): Gradcheck.EveryOpHasACase fails when an op here has no case.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string_view>

namespace plexus::autograd {

// clang-format off
enum class Op : uint8_t {
  none,  // a leaf: not produced by an op
  // element-wise (ops/elementwise.cpp)
  add, sub, mul, div, neg, pow, maximum, minimum,
  add_scalar, mul_scalar, rsub_scalar, rdiv_scalar, pow_scalar,
  exp, log, sqrt, abs, clamp, square, where,
  // matrix products (ops/matmul.cpp)
  matmul, linear,
  // reductions (ops/reduce.cpp)
  sum, mean, sum_axis, mean_axis, max_axis, min_axis,
  // data movement (ops/shape_ops.cpp)
  reshape, transpose, slice_rows, broadcast_to, concat, index_rows,
  // layers (nn/dropout.cpp, nn/batchnorm.cpp, nn/layernorm.cpp)
  dropout, batch_norm, layer_norm,
  // activations (ops/activation.cpp)
  sigmoid, tanh, relu, leaky_relu, elu, selu, gelu, silu, softplus, softmax, log_softmax,
  // fused losses (loss/regression.cpp, loss/binary.cpp, loss/classification.cpp)
  mse, binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy,
  // user-defined (autograd/custom_op.cpp)
  custom,
};

inline constexpr std::string_view kOpNames[] = {
  "none",
  "add", "sub", "mul", "div", "neg", "pow", "maximum", "minimum",
  "add_scalar", "mul_scalar", "rsub_scalar", "rdiv_scalar", "pow_scalar",
  "exp", "log", "sqrt", "abs", "clamp", "square", "where",
  "matmul", "linear",
  "sum", "mean", "sum_axis", "mean_axis", "max_axis", "min_axis",
  "reshape", "transpose", "slice_rows", "broadcast_to", "concat", "index_rows",
  "dropout", "batch_norm", "layer_norm",
  "sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "gelu", "silu", "softplus", "softmax",
  "log_softmax",
  "mse", "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy",
  "custom",
};
// clang-format on

inline constexpr size_t kOpCount = static_cast<size_t>(Op::custom) + 1;
static_assert(std::size(kOpNames) == kOpCount, "every Op needs its name in kOpNames");

constexpr std::string_view op_name(Op op) { return kOpNames[static_cast<size_t>(op)]; }

}  // namespace plexus::autograd
