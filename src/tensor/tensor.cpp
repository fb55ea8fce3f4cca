// Tensor handles, their reference counting, creation and inspection. TensorImpl objects come from
// a per-thread free list, and are freed iteratively so that dropping a long graph cannot overflow
// the stack.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <ostream>
#include <sstream>
#include <vector>

#include "base/check.hpp"
#include "plexus/tensor/random.hpp"
#include "tensor/gradient.hpp"
#include "tensor/tensor_impl.hpp"

namespace plexus {
namespace detail {
namespace {

class ImplCache {
 public:
  ~ImplCache() {
    alive_ = false;
    current_ = nullptr;
    for (void* p : free_) ::operator delete(p);
  }
  void* take() {
    if (free_.empty()) return ::operator new(sizeof(TensorImpl));
    void* p = free_.back();
    free_.pop_back();
    return p;
  }
  void give(void* p) {
    if (free_.size() < kLimit) {
      free_.push_back(p);
    } else {
      ::operator delete(p);
    }
  }
  static inline thread_local bool alive_ = false;
  // This thread's cache while it lives (see StorageCache::current_).
  static inline thread_local ImplCache* current_ = nullptr;

 private:
  static constexpr size_t kLimit = 1 << 14;
  std::vector<void*> free_;
};

ImplCache* impl_cache() {
#if PLEXUS_NO_CACHE
  return nullptr;
#endif
  if (ImplCache* c = ImplCache::current_) return c;
  static thread_local ImplCache instance;
  static thread_local bool constructed = (ImplCache::alive_ = true);
  (void)constructed;
  if (!ImplCache::alive_) return nullptr;
  ImplCache::current_ = &instance;
  return &instance;
}

void* take_impl_memory() {
  ImplCache* c = impl_cache();
  return c ? c->take() : ::operator new(sizeof(TensorImpl));
}

// The element count of `shape`, checked (computed once, here, for new tensors).
size_t checked_numel(const Shape& shape) {
  // NOTE: the element count must not overflow, or a too-small buffer would be allocated. It is
  // counted in 64 bits, so that no dimension is cut where size_t has 32 (WebAssembly): at most
  // 2^48, or as many floats as size_t can count bytes of.
  constexpr uint64_t kMaxElements =
      std::min<uint64_t>(uint64_t{1} << 48, std::numeric_limits<size_t>::max() / sizeof(float));
  uint64_t numel = 1;
  for (int64_t d : shape) {
    PLEXUS_CHECK(d >= 0, "tensor shape ", shape, " has a negative dimension");
    const bool overflow = __builtin_mul_overflow(numel, static_cast<uint64_t>(d), &numel);
    PLEXUS_CHECK(!overflow && numel <= kMaxElements, "tensor shape ", shape,
                 " has too many elements");
  }
  return static_cast<size_t>(numel);
}

}  // namespace

TensorImpl* new_tensor(const Shape& shape) {
  const size_t numel = checked_numel(shape);
  Storage* storage = allocate_storage(numel);
  return new (take_impl_memory()) TensorImpl(shape, numel, storage, storage->data());
}

TensorImpl* new_tensor_like(const TensorImpl& t) {
  Storage* storage = allocate_storage(t.numel);
  return new (take_impl_memory()) TensorImpl(t.shape, t.numel, storage, storage->data());
}

TensorImpl* new_view(const Shape& shape, Storage* storage, float* data) {
  retain(storage);
  return new (take_impl_memory()) TensorImpl(shape, shape.numel(), storage, data);
}

namespace {
// Tensors waiting to be destroyed, linked through TensorImpl::next_dying. Plain pointers, not a
// container: tensors in static objects die after this thread's containers are gone.
thread_local TensorImpl* dying = nullptr;
thread_local bool draining = false;

void destroy(TensorImpl* impl) {
  release_node(impl);
  if (impl->grad) release(impl->grad);
  if (impl->spare_grad) release(impl->spare_grad);
  release(impl->storage);
  impl->~TensorImpl();
  if (ImplCache* c = impl_cache()) {
    c->give(impl);
  } else {
    ::operator delete(impl);
  }
}
}  // namespace

void release(TensorImpl* impl) {
  // NOTE: a count of 1 means ours is the only reference, so no other thread can change it: the
  // locked decrement is needed only when the tensor is shared.
  if (impl->refs.load(std::memory_order_acquire) != 1 &&
      impl->refs.fetch_sub(1, std::memory_order_acq_rel) != 1)
    return;
  // Destroying a node releases its inputs, which may die in turn: a loop, not recursion.
  impl->next_dying = dying;
  dying = impl;
  if (draining) return;
  draining = true;
  while (dying) {
    TensorImpl* next = dying;
    dying = next->next_dying;
    destroy(next);
  }
  draining = false;
}

float* new_grad(TensorImpl& t) {
  if (t.has_node()) return t.node_grad = push_grad_buffer(t.numel);
  t.grad = t.spare_grad ? t.spare_grad : new_tensor_like(t);
  t.spare_grad = nullptr;
  return t.grad->data;
}

void drop_grad(TensorImpl& t) {
  TensorImpl* grad = t.grad;
  t.grad = nullptr;
  // Only a plain buffer that no handle, view or graph can reach may be written again later.
  const bool unseen = grad->refs.load(std::memory_order_acquire) == 1 &&
                      grad->storage->refs.load(std::memory_order_acquire) == 1 &&
                      !grad->has_node() && !grad->requires_grad && !grad->grad &&
                      !grad->spare_grad && !grad->graph_freed;
  if (unseen && !t.spare_grad) {
    t.spare_grad = grad;
  } else {
    release(grad);
  }
}

void release_node(TensorImpl* impl) {
  impl->backward.reset();
  TensorImpl** inputs = impl->inputs();
  for (uint32_t i = 0; i < impl->input_count; ++i) release(inputs[i]);
  if (impl->input_count > TensorImpl::kInlineInputs) delete[] impl->heap_inputs;
  impl->heap_inputs = nullptr;
  impl->input_count = 0;
  impl->op = autograd::Op::none;
}

}  // namespace detail

using detail::TensorImpl;

namespace {
TensorImpl& checked(const Tensor& t, const char* what) {
  PLEXUS_CHECK(t.defined(), what, ": the tensor is empty (default-constructed, never assigned)");
  return detail::impl_of(t);
}
}  // namespace

// ---- handle ------------------------------------------------------------------------------------
Tensor::Tensor(const Tensor& other) : impl_(other.impl_) {
  if (impl_) detail::retain(impl_);
}

Tensor& Tensor::operator=(const Tensor& other) {
  if (other.impl_) detail::retain(other.impl_);
  if (impl_) detail::release(impl_);
  impl_ = other.impl_;
  return *this;
}

// ---- creation ----------------------------------------------------------------------------------
Tensor Tensor::empty(const Shape& shape) { return detail::adopt(detail::new_tensor(shape)); }

Tensor Tensor::from(std::span<const float> values, const Shape& shape) {
  PLEXUS_CHECK(values.size() == shape.numel(), "Tensor::from: ", values.size(),
               " values cannot fill shape ", shape, " (", shape.numel(), " elements)");
  Tensor t = empty(shape);
  std::copy(values.begin(), values.end(), t.data());
  return t;
}

Tensor Tensor::from(std::initializer_list<float> values, const Shape& shape) {
  return from(std::span<const float>(values.begin(), values.size()), shape);
}

Tensor Tensor::scalar(float value) { return full(Shape{}, value); }

Tensor Tensor::zeros(const Shape& shape) {
  Tensor t = empty(shape);
  std::memset(t.data(), 0, t.numel() * sizeof(float));
  return t;
}

Tensor Tensor::ones(const Shape& shape) { return full(shape, 1.0f); }

Tensor Tensor::full(const Shape& shape, float value) {
  Tensor t = empty(shape);
  std::fill_n(t.data(), t.numel(), value);
  return t;
}

Tensor Tensor::arange(float stop) { return arange(0.0f, stop, 1.0f); }

Tensor Tensor::arange(float start, float stop, float step) {
  PLEXUS_CHECK(step != 0.0f, "arange: step must not be zero");
  const double count = std::ceil((static_cast<double>(stop) - start) / step);
  const auto n = static_cast<int64_t>(std::max(0.0, count));
  Tensor t = empty({n});
  for (int64_t i = 0; i < n; ++i) t.data()[i] = start + static_cast<float>(i) * step;
  return t;
}

Tensor Tensor::rand(const Shape& shape, uint64_t seed, float low, float high) {
  Tensor t = empty(shape);
  Generator generator(seed);
  for (size_t i = 0; i < t.numel(); ++i) t.data()[i] = generator.uniform(low, high);
  return t;
}

Tensor Tensor::randn(const Shape& shape, uint64_t seed, float mean, float std) {
  Tensor t = empty(shape);
  Generator generator(seed);
  for (size_t i = 0; i < t.numel(); ++i) t.data()[i] = mean + std * generator.normal();
  return t;
}

// ---- inspection --------------------------------------------------------------------------------
const Shape& Tensor::shape() const { return checked(*this, "shape").shape; }

int64_t Tensor::shape(int64_t dim) const {
  const Shape& s = shape();
  const auto rank = static_cast<int64_t>(s.rank());
  PLEXUS_CHECK(dim >= -rank && dim < rank, "shape(", dim, "): tensor of shape ", s,
               " has no such dimension");
  return s[static_cast<size_t>(dim < 0 ? dim + rank : dim)];
}

size_t Tensor::numel() const { return checked(*this, "numel").numel; }
float* Tensor::data() { return checked(*this, "data").data; }
const float* Tensor::data() const { return checked(*this, "data").data; }

std::vector<float> Tensor::to_vector() const {
  const TensorImpl& impl = checked(*this, "to_vector");
  return std::vector<float>(impl.data, impl.data + impl.numel);
}

float Tensor::item() const {
  const TensorImpl& impl = checked(*this, "item");
  PLEXUS_CHECK(impl.numel == 1, "item: tensor of shape ", impl.shape, " has ", impl.numel,
               " elements, not one");
  return impl.data[0];
}

float Tensor::at(std::initializer_list<int64_t> index) const {
  const TensorImpl& impl = checked(*this, "at");
  PLEXUS_CHECK(index.size() == impl.shape.rank(), "at: ", index.size(),
               " indices for a tensor of shape ", impl.shape);
  size_t offset = 0;
  size_t i = 0;
  for (int64_t k : index) {
    const int64_t size = impl.shape[i];
    PLEXUS_CHECK(k >= 0 && k < size, "at: index ", k, " out of range for dimension ", i,
                 " of shape ", impl.shape);
    offset = offset * static_cast<size_t>(size) + static_cast<size_t>(k);
    ++i;
  }
  return impl.data[offset];
}

std::string Tensor::str() const {
  std::ostringstream out;
  out << *this;
  return out.str();
}

std::ostream& operator<<(std::ostream& out, const Tensor& tensor) {
  if (!tensor.defined()) return out << "Tensor(empty)";
  const Shape& shape = tensor.shape();
  out << "Tensor(shape=" << shape << ", [";
  const size_t shown = std::min<size_t>(tensor.numel(), 20);
  for (size_t i = 0; i < shown; ++i) out << (i ? ", " : "") << tensor.data()[i];
  if (shown < tensor.numel()) out << ", ...";
  out << "]";
  if (tensor.needs_grad()) out << ", requires_grad";
  return out << ")";
}

Tensor Tensor::clone() const {
  const TensorImpl& impl = checked(*this, "clone");
  Tensor copy = empty(impl.shape);
  std::copy_n(impl.data, impl.numel, copy.data());
  return copy;
}

Tensor Tensor::detach() const {
  TensorImpl& impl = checked(*this, "detach");
  return detail::adopt(detail::new_view(impl.shape, impl.storage, impl.data));
}

// ---- autograd state ----------------------------------------------------------------------------
Tensor Tensor::requires_grad(bool required) const {
  TensorImpl& impl = checked(*this, "requires_grad");
  PLEXUS_CHECK(!impl.has_node() && !impl.graph_freed,
               "requires_grad: only leaf tensors can be marked; this one is the output of op '",
               autograd::op_name(impl.op), "' (use detach() to make a leaf)");
  impl.requires_grad = required;
  return *this;
}

bool Tensor::needs_grad() const { return checked(*this, "needs_grad").requires_grad; }
bool Tensor::is_leaf() const {
  const TensorImpl& impl = checked(*this, "is_leaf");
  return !impl.has_node() && !impl.graph_freed;
}

Tensor Tensor::grad() const {
  TensorImpl& impl = checked(*this, "grad");
  if (!impl.grad) return Tensor();
  detail::retain(impl.grad);
  return detail::adopt(impl.grad);
}

void Tensor::set_grad(const Tensor& grad) const {
  TensorImpl& impl = checked(*this, "set_grad");
  if (grad.defined()) {
    PLEXUS_CHECK(grad.shape() == impl.shape, "set_grad: gradient of shape ", grad.shape(),
                 " for a tensor of shape ", impl.shape);
    detail::retain(grad.impl_);
  }
  if (impl.grad) detail::drop_grad(impl);
  impl.grad = grad.impl_;
}

void Tensor::zero_grad() const { set_grad(Tensor()); }

detail::ParameterView detail::parameter_view(const Tensor& t) {
  const TensorImpl& impl = checked(t, "grad");
  return {impl.data, impl.grad ? impl.grad->data : nullptr, impl.numel};
}

void detail::drop_grad(const Tensor& t) {
  TensorImpl& impl = checked(t, "zero_grad");
  if (impl.grad) drop_grad(impl);
}

}  // namespace plexus
