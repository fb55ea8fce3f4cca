// Storage: a reference-counted, 64-byte aligned float buffer, shared by a tensor and its views.
// Buffers come from a per-thread cache of freed blocks sorted into size classes, so that the steady
// state of training (the same shapes every step) allocates nothing from the system.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace plexus::detail {

struct Storage {
  std::atomic<int32_t> refs{1};
  uint32_t size_class = 0;
  size_t block_bytes = 0;  // the whole block, this header included (release() reads it)

  float* data() { return reinterpret_cast<float*>(reinterpret_cast<char*>(this) + kHeaderBytes); }

  static constexpr size_t kHeaderBytes = 64;  // keeps data() 64-byte aligned
};

/// A buffer for at least `numel` floats, uninitialised, with one reference.
Storage* allocate_storage(size_t numel);
void retain(Storage* storage);
void release(Storage* storage);

/// The gradients of op outputs live only while their backward() runs, and all die together when
/// it ends: they come from a per-thread stack of blocks, a pointer bump each (64-byte aligned,
/// uninitialised), and are dropped at once by popping back to the mark taken when the pass began
/// (a nested backward() pops only its own). The blocks are kept for the next pass.
struct GradStackMark {
  void* block;
  float* top;
};
GradStackMark grad_stack_mark();
float* push_grad_buffer(size_t numel);
void pop_grad_buffers(GradStackMark mark);

}  // namespace plexus::detail
