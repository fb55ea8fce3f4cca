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

}  // namespace plexus::detail
