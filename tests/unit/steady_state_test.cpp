// Once a training step has seen its shapes, later steps allocate nothing: tensors, gradients and
// graph nodes come from plexus' per-thread caches and the spare gradients zero_grad() keeps. This
// file replaces the global operator new (which plexus' storage and tensor caches allocate through)
// with one that counts, so any allocation in the steady state shows.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <plexus/plexus.hpp>

namespace {
std::atomic<size_t> allocations{0};

void* counted(size_t size, size_t alignment) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  const size_t rounded = (size + alignment - 1) / alignment * alignment;
  void* p = alignment <= alignof(std::max_align_t) ? std::malloc(size ? size : 1)
                                                   : std::aligned_alloc(alignment, rounded);
  if (!p) throw std::bad_alloc();
  return p;
}
}  // namespace

void* operator new(size_t size) { return counted(size, alignof(std::max_align_t)); }
void* operator new[](size_t size) { return counted(size, alignof(std::max_align_t)); }
void* operator new(size_t size, std::align_val_t a) {
  return counted(size, static_cast<size_t>(a));
}
void* operator new[](size_t size, std::align_val_t a) {
  return counted(size, static_cast<size_t>(a));
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { std::free(p); }

namespace {

namespace px = plexus;
using px::Tensor;

// Allocations made by `steps` calls of `step`, after `warmup` calls.
// NOTE: sanitizer builds (PLEXUS_NO_CACHE) send every buffer back to the system on purpose.
#if PLEXUS_NO_CACHE
#define SKIP_WITHOUT_CACHES() GTEST_SKIP() << "built without plexus' caches (PLEXUS_NO_CACHE)"
#else
#define SKIP_WITHOUT_CACHES() (void)0
#endif

template <typename Step>
size_t allocations_in_steady_state(Step step, int warmup = 3, int steps = 50) {
  for (int i = 0; i < warmup; ++i) step();
  const size_t before = allocations.load();
  for (int i = 0; i < steps; ++i) step();
  return allocations.load() - before;
}

TEST(SteadyState, TheCounterSeesTensorAllocations) {
  const size_t before = allocations.load();
  { const Tensor big = Tensor::empty({1 << 20}); }  // larger than anything cached so far
  EXPECT_GT(allocations.load(), before);
}

// W3 of the benchmarks: 2-8-1 sigmoid net on XOR, MSE, SGD, through the public API.
TEST(SteadyState, TinyNetworkSgdStepAllocatesNothing) {
  SKIP_WITHOUT_CACHES();
  px::manual_seed(0);
  px::nn::Sequential model{px::nn::Linear(2, 8), px::nn::Sigmoid(), px::nn::Linear(8, 1),
                           px::nn::Sigmoid()};
  px::optim::SGD optimizer(model.parameters(), {.lr = 0.5});
  const Tensor x = Tensor::from({0, 0, 0, 1, 1, 0, 1, 1}, {4, 2});
  const Tensor y = Tensor::from({0, 1, 1, 0}, {4, 1});
  EXPECT_EQ(allocations_in_steady_state([&] {
              const Tensor loss = px::loss::mse(model(x), y);
              optimizer.zero_grad();
              loss.backward();
              optimizer.step();
            }),
            0u);
}

// A classifier with ReLU, cross-entropy and Adam, large enough for BLAS's own path.
TEST(SteadyState, ClassifierAdamStepAllocatesNothing) {
  SKIP_WITHOUT_CACHES();
  px::manual_seed(1);
  px::nn::Sequential model{px::nn::Linear(20, 64), px::nn::ReLU(), px::nn::Linear(64, 5)};
  px::optim::Adam optimizer(model.parameters(), {.lr = 1e-3});
  const Tensor x = Tensor::randn({32, 20}, 2);
  Tensor labels = Tensor::empty({32});
  for (int64_t i = 0; i < 32; ++i) labels.data()[i] = static_cast<float>(i % 5);
  EXPECT_EQ(allocations_in_steady_state([&] {
              const Tensor loss = px::loss::cross_entropy(model(x), labels);
              optimizer.zero_grad();
              loss.backward();
              optimizer.step();
            }),
            0u);
}

}  // namespace
