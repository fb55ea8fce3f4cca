// px::Tensor: a float32, row-major, contiguous array of any rank, with shared storage and a place
// in the autograd graph. A Tensor is a cheap handle (one pointer): copies share the same data.
// Handles may be copied and passed between threads (reference counts are atomic); a graph is built
// and back-propagated by one thread at a time, and writers of a tensor's data must not race.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <span>
#include <string>
#include <vector>

#include "plexus/tensor/shape.hpp"

namespace plexus {

namespace detail {
struct TensorImpl;
struct TensorAccess;
/// Drops one reference to `impl` (the handle's destructor and move assignment, inline below).
void release(TensorImpl* impl);
}  // namespace detail

class Tensor {
 public:
  /// An empty (undefined) tensor; assign to it later. Every accessor but defined() throws on it.
  Tensor() = default;
  Tensor(const Tensor& other);
  Tensor(Tensor&& other) noexcept : impl_(other.impl_) { other.impl_ = nullptr; }
  Tensor& operator=(const Tensor& other);
  // Inline: most handles an op makes and drops are empty by then (moved from), and testing for it
  // here costs less than a call.
  Tensor& operator=(Tensor&& other) noexcept {
    if (this != &other) {
      if (impl_) detail::release(impl_);
      impl_ = other.impl_;
      other.impl_ = nullptr;
    }
    return *this;
  }
  ~Tensor() {
    if (impl_) detail::release(impl_);
  }

  // ---- creation ------------------------------------------------------------------------------
  /// Copies `values` (row-major) into a new tensor of `shape`; sizes must agree.
  static Tensor from(std::initializer_list<float> values, const Shape& shape);
  static Tensor from(std::span<const float> values, const Shape& shape);
  /// A rank-0 tensor holding one value.
  static Tensor scalar(float value);
  /// Uninitialised storage: fill it through data() before reading.
  static Tensor empty(const Shape& shape);
  static Tensor zeros(const Shape& shape);
  static Tensor ones(const Shape& shape);
  static Tensor full(const Shape& shape, float value);
  /// [start, start + step, ...) up to stop (exclusive), as a 1-D tensor.
  static Tensor arange(float stop);
  static Tensor arange(float start, float stop, float step = 1.0f);
  /// Uniform in [low, high), reproducible from `seed`.
  static Tensor rand(const Shape& shape, uint64_t seed, float low = 0.0f, float high = 1.0f);
  /// Normal(mean, std), reproducible from `seed`.
  static Tensor randn(const Shape& shape, uint64_t seed, float mean = 0.0f, float std = 1.0f);
  static Tensor zeros_like(const Tensor& other) { return zeros(other.shape()); }
  static Tensor ones_like(const Tensor& other) { return ones(other.shape()); }

  // ---- inspection ----------------------------------------------------------------------------
  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  /// Size of dimension `dim`; negative counts from the end (-1 = last).
  int64_t shape(int64_t dim) const;
  size_t rank() const { return shape().rank(); }
  size_t numel() const;
  float* data();
  const float* data() const;
  std::vector<float> to_vector() const;
  /// The single value of a tensor with one element.
  float item() const;
  /// Element at a full index, e.g. t.at({2, 3}).
  float at(std::initializer_list<int64_t> index) const;
  std::string str() const;

  // ---- views and copies ----------------------------------------------------------------------
  /// Same data, new shape; one dimension may be -1 (inferred). Differentiable.
  Tensor reshape(const Shape& shape) const;
  /// 2-D transpose (a copy, since tensors are contiguous). Differentiable.
  Tensor transpose() const;
  Tensor t() const { return transpose(); }
  /// Rows [begin, end) along dimension 0, sharing storage. Differentiable.
  Tensor slice_rows(int64_t begin, int64_t end) const;
  /// A new tensor with its own copy of the data, outside the graph.
  Tensor clone() const;

  // ---- autograd ------------------------------------------------------------------------------
  /// Marks this leaf tensor as a parameter whose gradient backward() computes; returns it.
  Tensor requires_grad(bool required = true) const;
  /// True for parameters and for results of ops on them (outside a NoGradGuard).
  bool needs_grad() const;
  /// True for tensors not produced by a recorded op.
  bool is_leaf() const;
  /// The accumulated gradient (same shape), or an empty tensor if none was computed.
  Tensor grad() const;
  void set_grad(const Tensor& grad) const;
  /// Drops the accumulated gradient: grad() is empty after. Its buffer, if nothing else holds
  /// it, is kept for the next backward() to write into.
  void zero_grad() const;
  /// Back-propagates from this scalar; gradients accumulate into the leaves' grad().
  void backward() const;
  /// Back-propagates from a non-scalar output given d(something)/d(this).
  void backward(const Tensor& grad_output) const;
  /// The same data, cut off from the graph.
  Tensor detach() const;

  // ---- shorthand for the common reductions (see ops.hpp) -------------------------------------
  Tensor sum() const;
  Tensor mean() const;

  /// True if both handles refer to the same tensor (not merely equal values), as PyTorch's.
  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }

 private:
  friend struct detail::TensorAccess;  // plexus' own ops reach the implementation through it
  detail::TensorImpl* impl_ = nullptr;
};

std::ostream& operator<<(std::ostream& out, const Tensor& tensor);

/// Inside its scope no op records a graph: for inference and for updating parameters.
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

/// Whether ops currently record the graph (false inside a NoGradGuard).
bool grad_enabled();

}  // namespace plexus
