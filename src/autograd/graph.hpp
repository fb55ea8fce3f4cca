// Recording ops for reverse-mode autograd. An op computes its output, then calls record() with
// its inputs and a closure that, given the output's gradient, accumulates (+=) into the inputs'
// gradients. Internal to the library; users define ops through plexus/autograd/custom_op.hpp.
#pragma once

#include <functional>
#include <initializer_list>
#include <span>
#include <utility>

#include "autograd/op.hpp"
#include "plexus/tensor/tensor.hpp"
#include "tensor/tensor_impl.hpp"

namespace plexus::autograd {

using detail::TensorImpl;
using TensorRefs = std::initializer_list<std::reference_wrapper<const Tensor>>;

/// The gradient buffer of `t` if it has one, else nullptr.
inline float* grad_of(TensorImpl& t) {
  if (t.has_node()) return t.node_grad;
  return t.grad ? t.grad->data : nullptr;
}

/// What a backward closure sees: the output, its gradient, the inputs and their gradient buffers.
class BackwardContext {
 public:
  explicit BackwardContext(TensorImpl& node) : node_(node) {}

  size_t numel() const { return node_.numel; }
  const Shape& output_shape() const { return node_.shape; }
  const float* output() const { return node_.data; }
  const float* output_grad() const { return node_.node_grad; }

  size_t input_count() const { return node_.input_count; }
  const float* input_data(size_t i) const { return node_.inputs()[i]->data; }
  const Shape& input_shape(size_t i) const { return node_.inputs()[i]->shape; }
  size_t input_numel(size_t i) const { return node_.inputs()[i]->numel; }
  /// The gradient buffer of input i, zero-filled on first use; nullptr if it needs no gradient.
  float* input_grad(size_t i);
  /// Input i's gradient buffer for a kernel that writes C = A B + beta C: beta is set to 1 when
  /// the buffer holds a gradient to add to, and to 0 for a new buffer, whose contents are
  /// undefined (saves zero-filling a weight-sized buffer every step). nullptr if no gradient.
  /// Inline: a layer's backward asks for each of its inputs' buffers.
  float* input_grad_or_new(size_t i, float& beta) {
    TensorImpl& input = *node_.inputs()[i];
    if (!input.requires_grad) return nullptr;
    float* grad = grad_of(input);
    beta = grad ? 1.0f : 0.0f;
    return grad ? grad : detail::new_grad(input);  // no zero fill: beta = 0
  }

  Tensor output_tensor() const;
  /// A copy of the output's gradient, whose buffer dies with the backward() pass.
  Tensor output_grad_tensor() const;
  Tensor input_tensor(size_t i) const;

 private:
  TensorImpl& node_;
};

/// True if an op on these inputs must be recorded: grad mode is on and an input needs a grad.
bool should_record(TensorRefs inputs);
bool should_record(std::span<const Tensor> inputs);
void attach_inputs(TensorImpl& output, Op op, TensorRefs inputs);
void attach_inputs(TensorImpl& output, Op op, std::span<const Tensor> inputs);

/// Makes `output` the result of `op` on `inputs`, with `backward` as its gradient rule.
template <typename Inputs, typename F>
Tensor record_impl(Op op, Tensor output, const Inputs& inputs, F&& backward) {
  if (!should_record(inputs)) return output;
  TensorImpl& out = detail::impl_of(output);
  attach_inputs(out, op, inputs);
  out.backward.emplace(std::forward<F>(backward));
  return output;
}

template <typename F>
Tensor record(Op op, Tensor output, TensorRefs inputs, F&& backward) {
  return record_impl(op, std::move(output), inputs, std::forward<F>(backward));
}

template <typename F>
Tensor record(Op op, Tensor output, std::span<const Tensor> inputs, F&& backward) {
  return record_impl(op, std::move(output), inputs, std::forward<F>(backward));
}

}  // namespace plexus::autograd
