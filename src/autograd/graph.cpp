// Reverse-mode autograd engine: records ops, runs backward in reverse topological order, frees the
// graph as it goes. It knows nothing about kernels; each op hands it a closure.
#include "autograd/graph.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <vector>

#include "base/check.hpp"

namespace plexus {

namespace {
thread_local bool grad_mode = true;
}

bool grad_enabled() { return grad_mode; }
NoGradGuard::NoGradGuard() : previous_(grad_mode) { grad_mode = false; }
NoGradGuard::~NoGradGuard() { grad_mode = previous_; }

namespace autograd {

using detail::retain;

bool should_record(TensorRefs inputs) {
  if (!grad_mode) return false;
  for (const Tensor& t : inputs)
    if (detail::impl_of(t).requires_grad) return true;
  return false;
}

bool should_record(std::span<const Tensor> inputs) {
  if (!grad_mode) return false;
  for (const Tensor& t : inputs)
    if (detail::impl_of(t).requires_grad) return true;
  return false;
}

namespace {
template <typename Inputs>
void attach(TensorImpl& output, Op op, const Inputs& inputs) {
  PLEXUS_ASSERT(!output.has_node());
  output.op = op;
  output.requires_grad = true;
  output.input_count = static_cast<uint32_t>(inputs.size());
  if (inputs.size() > TensorImpl::kInlineInputs)
    output.heap_inputs = new TensorImpl*[inputs.size()];
  TensorImpl** slots = output.inputs();
  size_t i = 0;
  for (const Tensor& t : inputs) {
    retain(&detail::impl_of(t));
    slots[i++] = &detail::impl_of(t);
  }
}
}  // namespace

void attach_inputs(TensorImpl& output, Op op, TensorRefs inputs) { attach(output, op, inputs); }
void attach_inputs(TensorImpl& output, Op op, std::span<const Tensor> inputs) {
  attach(output, op, inputs);
}

namespace {
float* ensure_grad(TensorImpl& t) {
  if (float* grad = grad_of(t)) return grad;
  float* grad = detail::new_grad(t);
  std::memset(grad, 0, t.numel * sizeof(float));
  return grad;
}
}  // namespace

float* BackwardContext::input_grad(size_t i) {
  TensorImpl& input = *node_.inputs()[i];
  return input.requires_grad ? ensure_grad(input) : nullptr;
}

Tensor BackwardContext::output_tensor() const {
  retain(&node_);
  return detail::adopt(&node_);
}

Tensor BackwardContext::output_grad_tensor() const {
  detail::TensorImpl* grad = detail::new_tensor_like(node_);
  std::copy_n(node_.node_grad, node_.numel, grad->data);
  return detail::adopt(grad);
}

Tensor BackwardContext::input_tensor(size_t i) const {
  retain(node_.inputs()[i]);
  return detail::adopt(node_.inputs()[i]);
}

namespace {

std::atomic<uint32_t> traversal_counter{0};

// A traversal stamp no other backward() uses (0, a new node's, excepted). Each thread takes a
// block of them at a time, so a backward() pays no locked instruction for its stamp: on a small
// network's step, each locked instruction costs about as much as twenty plain ones.
uint32_t next_mark() {
  constexpr uint32_t kBlock = 1u << 16;
  thread_local uint32_t next = 0;
  thread_local uint32_t end = 0;
  if (next == end) {
    next = traversal_counter.fetch_add(kBlock, std::memory_order_relaxed);
    end = next + kBlock;
    if (next == 0) next = 1;
  }
  return next++;
}

// Post-order DFS over the nodes reachable from `root`, each appended once. No references are
// taken: nothing is released until the whole pass is over (see run_backward).
void topological_order(TensorImpl* root, std::vector<TensorImpl*>& order) {
  const uint32_t mark = next_mark();
  struct Frame {
    TensorImpl* node;
    uint32_t next_input;
  };
  thread_local std::vector<Frame> stack;
  stack.clear();
  root->visit_mark = mark;
  stack.push_back({root, 0});
  while (!stack.empty()) {
    // The node's inputs from where its last descent left off, up to the next one to descend
    // into: leaves and visited inputs are passed over in this loop, not one round of the outer.
    Frame& frame = stack.back();
    TensorImpl* const* inputs = frame.node->inputs();
    const uint32_t count = frame.node->input_count;
    uint32_t i = frame.next_input;
    TensorImpl* descend = nullptr;
    while (i < count && !descend) {
      TensorImpl* input = inputs[i++];
      if (!input->requires_grad || input->visit_mark == mark) continue;
      input->visit_mark = mark;
      PLEXUS_CHECK(!input->graph_freed,
                   "backward: part of this graph was already freed by an earlier backward() "
                   "(each graph can be back-propagated once; recompute the forward pass)");
      if (input->has_node()) descend = input;
    }
    if (descend) {
      frame.next_input = i;
      stack.push_back({descend, 0});
    } else {
      order.push_back(frame.node);
      stack.pop_back();
    }
  }
}

void run_backward(TensorImpl& root, const Tensor* grad_output) {
  PLEXUS_CHECK(root.requires_grad,
               "backward: this tensor does not require grad (no input was marked with "
               "requires_grad(), or it was computed inside a NoGradGuard)");
  PLEXUS_CHECK(!root.graph_freed,
               "backward: the graph of this tensor was already freed by an earlier backward() "
               "(each graph can be back-propagated once; recompute the forward pass)");
  if (grad_output) {
    PLEXUS_CHECK(grad_output->defined() && grad_output->shape() == root.shape,
                 "backward: gradient of shape ",
                 grad_output->defined() ? grad_output->shape().str() : "(empty)",
                 " given for an output of shape ", root.shape);
  } else {
    PLEXUS_CHECK(root.numel == 1, "backward: output of shape ", root.shape,
                 " is not a scalar; pass its gradient: backward(grad_output)");
  }

  // The op outputs' gradients of this pass, from the seed on, go on the gradient stack above this
  // mark, and are popped together when the pass ends.
  const detail::GradStackMark grad_mark = detail::grad_stack_mark();
  // Seed d(root)/d(root): written into a new buffer, added to one the root has (a leaf root
  // accumulates the seed into its own grad).
  float* root_grad = grad_of(root);
  const bool fresh = root_grad == nullptr;
  if (fresh) root_grad = detail::new_grad(root);
  if (grad_output) {
    const float* g = grad_output->data();
    for (size_t i = 0; i < root.numel; ++i) root_grad[i] = fresh ? g[i] : root_grad[i] + g[i];
  } else {
    root_grad[0] = fresh ? 1.0f : root_grad[0] + 1.0f;
  }
  if (!root.has_node()) return;

  thread_local std::vector<TensorImpl*> order;
  const size_t base = order.size();  // backward() may run inside a custom op's backward
  // Frees the graph in topological order, inputs before their consumers: every node is still
  // held by a consumer (or by the caller, for the root) when its turn comes, so no reference
  // counting is needed during the pass. Runs on exceptions too.
  struct FreeGraph {
    size_t base;
    detail::GradStackMark grad_mark;
    ~FreeGraph() {
      for (size_t i = base; i < order.size(); ++i) {
        TensorImpl* node = order[i];
        node->graph_freed = true;
        node->node_grad = nullptr;
        detail::release_node(node);
      }
      order.resize(base);
      detail::pop_grad_buffers(grad_mark);
    }
  } free_graph{base, grad_mark};
  topological_order(&root, order);

  NoGradGuard no_grad;  // gradients are plain values: the backward pass records nothing
  for (size_t i = order.size(); i-- > base;) {
    TensorImpl& node = *order[i];
    if (node.node_grad && node.backward) {
      BackwardContext context(node);
      node.backward(context);
    }
  }
}

}  // namespace
}  // namespace autograd

void Tensor::backward() const {
  PLEXUS_CHECK(defined(), "backward: the tensor is empty");
  autograd::run_backward(detail::impl_of(*this), nullptr);
}

void Tensor::backward(const Tensor& grad_output) const {
  PLEXUS_CHECK(defined(), "backward: the tensor is empty");
  autograd::run_backward(detail::impl_of(*this), &grad_output);
}

}  // namespace plexus
