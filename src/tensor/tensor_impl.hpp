// TensorImpl: what a Tensor handle points to. Data lives in a shared Storage; the autograd node
// (the op that made this tensor, its inputs and its backward closure) lives inline, so recording an
// op costs no allocation beyond the output itself. Internal to the library.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>
#include <utility>

#include "autograd/op.hpp"
#include "plexus/tensor/shape.hpp"
#include "plexus/tensor/tensor.hpp"
#include "tensor/storage.hpp"

namespace plexus::autograd {
class BackwardContext;
}

namespace plexus::detail {

// A type-erased callable `void(BackwardContext&)` stored in place when small, like a
// std::function without the heap allocation for the closures plexus' ops use.
class Closure {
 public:
  static constexpr size_t kInlineBytes = 48;

  Closure() = default;
  Closure(const Closure&) = delete;
  Closure& operator=(const Closure&) = delete;
  ~Closure() { reset(); }

  template <typename F>
  void emplace(F&& f) {
    using Fn = std::decay_t<F>;
    reset();
    if constexpr (sizeof(Fn) <= kInlineBytes && alignof(Fn) <= alignof(std::max_align_t)) {
      new (buffer_) Fn(std::forward<F>(f));
      invoke_ = [](void* p, autograd::BackwardContext& c) { (*static_cast<Fn*>(p))(c); };
      // Most closures capture sizes only: nothing to destroy, no call to make.
      if constexpr (!std::is_trivially_destructible_v<Fn>)
        destroy_ = [](void* p) { static_cast<Fn*>(p)->~Fn(); };
    } else {
      *reinterpret_cast<Fn**>(buffer_) = new Fn(std::forward<F>(f));
      invoke_ = [](void* p, autograd::BackwardContext& c) { (**static_cast<Fn**>(p))(c); };
      destroy_ = [](void* p) { delete *static_cast<Fn**>(p); };
    }
  }

  explicit operator bool() const { return invoke_ != nullptr; }
  void operator()(autograd::BackwardContext& c) { invoke_(buffer_, c); }

  void reset() {
    if (destroy_) destroy_(buffer_);
    invoke_ = nullptr;
    destroy_ = nullptr;
  }

 private:
  alignas(std::max_align_t) unsigned char buffer_[kInlineBytes];
  void (*invoke_)(void*, autograd::BackwardContext&) = nullptr;
  void (*destroy_)(void*) = nullptr;
};

struct TensorImpl {
  TensorImpl(const Shape& dims, size_t count, Storage* buffer, float* first)
      : shape(dims), numel(count), storage(buffer), data(first) {}

  std::atomic<int32_t> refs{1};
  Shape shape;
  size_t numel = 0;
  Storage* storage = nullptr;
  float* data = nullptr;  // storage->data() + offset, for views such as slice_rows

  // ---- autograd --------------------------------------------------------------------------------
  bool requires_grad = false;  // a parameter, or computed from one while recording
  bool graph_freed = false;    // its node ran in a backward() and was released
  autograd::Op op = autograd::Op::none;
  uint32_t visit_mark = 0;     // traversal stamp of backward()
  TensorImpl* grad = nullptr;  // a leaf's gradient: a tensor, which grad() hands out
  // An op output's gradient while backward() runs: a bare buffer on the gradient stack
  // (push_grad_buffer), no tensor around it: no one reads it but the backward closures, and the
  // pass drops all of them together when it ends.
  float* node_grad = nullptr;
  // The gradient zero_grad() dropped, when nothing else held it: the next backward() writes into
  // it instead of allocating one (the same shape every step, as with PyTorch's set_to_none=False,
  // while grad() still reads as none in between).
  TensorImpl* spare_grad = nullptr;
  TensorImpl* next_dying = nullptr;  // release()'s work list

  // The node: inputs (references held) and the backward closure. Most ops have one or two inputs;
  // concat may have more, which go to a heap array.
  static constexpr size_t kInlineInputs = 3;
  uint32_t input_count = 0;
  TensorImpl* inline_inputs[kInlineInputs] = {};
  TensorImpl** heap_inputs = nullptr;
  Closure backward;

  TensorImpl** inputs() { return input_count <= kInlineInputs ? inline_inputs : heap_inputs; }
  bool has_node() const { return op != autograd::Op::none; }
};

/// A new tensor with fresh (uninitialised) storage and one reference.
TensorImpl* new_tensor(const Shape& shape);
/// The same, shaped like `t` (whose shape was checked when it was made).
TensorImpl* new_tensor_like(const TensorImpl& t);
/// A new gradient buffer for `t`, uninitialised: t.node_grad for an op's output (on the gradient
/// stack, for the backward() running), else t.grad (its spare one if it has it).
float* new_grad(TensorImpl& t);
/// Drops t.grad, keeping it as t.spare_grad when no one else can see it.
void drop_grad(TensorImpl& t);
/// A new tensor viewing `numel` floats of `storage` starting at `data`.
TensorImpl* new_view(const Shape& shape, Storage* storage, float* data);
inline void retain(TensorImpl* impl) { impl->refs.fetch_add(1, std::memory_order_relaxed); }
void release(TensorImpl* impl);
/// Drops the node: the backward closure and the references to the inputs.
void release_node(TensorImpl* impl);

/// How plexus' own code reaches a Tensor's implementation (Tensor befriends this struct only).
struct TensorAccess {
  static TensorImpl* impl(const Tensor& t) { return t.impl_; }
  /// A handle that takes over the caller's reference to `impl`.
  static Tensor adopt(TensorImpl* impl) {
    Tensor t;
    t.impl_ = impl;
    return t;
  }
};

inline TensorImpl& impl_of(const Tensor& t) { return *TensorAccess::impl(t); }
inline Tensor adopt(TensorImpl* impl) { return TensorAccess::adopt(impl); }

}  // namespace plexus::detail
