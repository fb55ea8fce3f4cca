// The list of recorded ops, written once: PLEXUS_OPS generates both the Op enum and its name table,
// so an op cannot have one without the other. Each op's name appears in error messages and in the
// gradient-check table (tests/gradcheck/*.cpp): Gradcheck.EveryOpHasACase fails when an op here
// has no case.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string_view>

namespace plexus::autograd {

// clang-format off
#define PLEXUS_OPS(X)                                                                            \
  X(none) /* a leaf: not produced by an op */                                                    \
  /* element-wise (ops/elementwise.cpp) */                                                       \
  X(add) X(sub) X(mul) X(div) X(neg) X(pow) X(maximum) X(minimum)                                \
  X(add_scalar) X(mul_scalar) X(rsub_scalar) X(rdiv_scalar) X(pow_scalar)                        \
  X(exp) X(log) X(sqrt) X(abs) X(clamp) X(square) X(where)                                       \
  /* matrix products (ops/matmul.cpp) */                                                         \
  X(matmul) X(linear)                                                                            \
  /* reductions (ops/reduce.cpp) */                                                              \
  X(sum) X(mean) X(sum_dim) X(mean_dim) X(max_dim) X(min_dim)                                    \
  /* data movement (ops/shape_ops.cpp) */                                                        \
  X(reshape) X(transpose) X(slice_rows) X(broadcast_to) X(concat) X(index_rows) X(sort)          \
  /* layers (ops/dropout.cpp, ops/norm.cpp, ops/embedding.cpp, ops/embedding_lookup.cpp) */     \
  X(dropout) X(batch_norm) X(layer_norm) X(periodic_embedding) X(embedding)                      \
  /* activations (ops/activation.cpp) */                                                         \
  X(sigmoid) X(tanh) X(relu) X(leaky_relu) X(elu) X(selu) X(gelu) X(silu) X(softplus)            \
  X(softmax) X(log_softmax)                                                                      \
  /* fused losses (ops/loss.cpp) */                                                              \
  X(mse) X(binary_cross_entropy) X(binary_cross_entropy_with_logits) X(cross_entropy)            \
  /* user-defined (autograd/custom_op.cpp) */                                                    \
  X(custom)
// clang-format on

#define PLEXUS_OP_ENUMERATOR(name) name,
enum class Op : uint8_t { PLEXUS_OPS(PLEXUS_OP_ENUMERATOR) };
#undef PLEXUS_OP_ENUMERATOR

#define PLEXUS_OP_NAME(name) #name,
inline constexpr std::string_view kOpNames[] = {PLEXUS_OPS(PLEXUS_OP_NAME)};
#undef PLEXUS_OP_NAME

inline constexpr size_t kOpCount = std::size(kOpNames);

constexpr std::string_view op_name(Op op) { return kOpNames[static_cast<size_t>(op)]; }

}  // namespace plexus::autograd
