// The per-thread cache of float buffers behind Storage. Sizes are rounded up to classes with four
// steps per power of two (at most 25% slack); freed blocks wait in a free list per class.
#include "tensor/storage.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <new>

#include "base/check.hpp"

namespace plexus::detail {
namespace {

constexpr size_t kMinFloats = 16;
constexpr size_t kClassCount = 4 * 64;
constexpr size_t kCacheLimitBytes = size_t{1} << 30;
// Blocks come from the aligned operator new, so that a test counting allocations sees them.
constexpr std::align_val_t kAlignment{64};

// Class c holds 2^(c/4) * (4 + c%4) / 4 floats (rounded up to kMinFloats).
constexpr size_t class_of(size_t numel) {
  if (numel <= kMinFloats) numel = kMinFloats;
  const size_t exponent = std::bit_width(numel - 1) - 1;  // 2^exponent < numel <= 2^(exponent+1)
  const size_t step = size_t{1} << (exponent >= 2 ? exponent - 2 : 0);
  const size_t quarter = (numel - (size_t{1} << exponent) + step - 1) / step;  // 1..4
  return exponent * 4 + quarter - 1;
}

constexpr size_t class_floats(size_t size_class) {
  const size_t exponent = size_class / 4;
  const size_t quarter = size_class % 4 + 1;
  const size_t step = size_t{1} << (exponent >= 2 ? exponent - 2 : 0);
  return (size_t{1} << exponent) + quarter * step;
}

constexpr size_t block_bytes(size_t floats) {
  const size_t bytes = Storage::kHeaderBytes + floats * sizeof(float);
  return (bytes + 63) / 64 * 64;
}

// The classes of tensors of up to kTableFloats elements, looked up rather than computed: small
// tensors are the ones made and freed at a rate where it shows.
constexpr size_t kTableFloats = 256;
constexpr auto kSmallClasses = [] {
  std::array<uint8_t, kTableFloats + 1> classes{};
  for (size_t n = 0; n <= kTableFloats; ++n) classes[n] = static_cast<uint8_t>(class_of(n));
  return classes;
}();
// Their floats, also looked up.
constexpr size_t kSmallClassCount = class_of(kTableFloats) + 1;
constexpr auto kSmallClassFloats = [] {
  std::array<uint16_t, kSmallClassCount> floats{};
  for (size_t c = 0; c < kSmallClassCount; ++c) floats[c] = static_cast<uint16_t>(class_floats(c));
  return floats;
}();

struct FreeBlock {
  FreeBlock* next;
};

class StorageCache {
 public:
  ~StorageCache() {
    alive_ = false;
    current_ = nullptr;
    for (FreeBlock*& head : free_)
      while (head) {
        FreeBlock* next = head->next;
        ::operator delete(head, kAlignment);
        head = next;
      }
  }

  // `bytes` is block_bytes of the class's floats, which the caller knows already.
  void* take(size_t size_class, size_t bytes) {
    FreeBlock* block = free_[size_class];
    if (!block) return nullptr;
    free_[size_class] = block->next;
    cached_bytes_ -= bytes;
    return block;
  }

  // Returns false when the block should go back to the system instead.
  bool give(void* memory, size_t size_class, size_t bytes) {
    if (cached_bytes_ + bytes > kCacheLimitBytes) return false;
    auto* block = static_cast<FreeBlock*>(memory);
    block->next = free_[size_class];
    free_[size_class] = block;
    cached_bytes_ += bytes;
    return true;
  }

  // NOTE: tensors in static objects die after this thread's cache; they bypass it.
  static inline thread_local bool alive_ = false;
  // This thread's cache while it lives, else nullptr: a plain thread-local load, where reaching
  // the function-local instance checks its guards on every call.
  static inline thread_local StorageCache* current_ = nullptr;

 private:
  FreeBlock* free_[kClassCount] = {};
  size_t cached_bytes_ = 0;
};

StorageCache* cache() {
#if PLEXUS_NO_CACHE
  return nullptr;
#endif
  if (StorageCache* c = StorageCache::current_) return c;
  static thread_local StorageCache instance;
  static thread_local bool constructed = (StorageCache::alive_ = true);
  (void)constructed;
  if (!StorageCache::alive_) return nullptr;
  StorageCache::current_ = &instance;
  return &instance;
}

}  // namespace

Storage* allocate_storage(size_t numel) {
  const size_t size_class = numel <= kTableFloats ? kSmallClasses[numel] : class_of(numel);
  PLEXUS_CHECK(size_class < kClassCount, "tensor of ", numel, " elements is too large");
  const size_t floats =
      numel <= kTableFloats ? kSmallClassFloats[size_class] : class_floats(size_class);
  const size_t bytes = block_bytes(floats);
  void* memory = nullptr;
  if (StorageCache* c = cache()) memory = c->take(size_class, bytes);
  if (!memory) memory = ::operator new(bytes, kAlignment);
  auto* storage = new (memory) Storage;
  storage->size_class = static_cast<uint32_t>(size_class);
  storage->block_bytes = bytes;
  return storage;
}

void retain(Storage* storage) { storage->refs.fetch_add(1, std::memory_order_relaxed); }

void release(Storage* storage) {
  // A count of 1 is ours alone (see release(TensorImpl*)): skip the locked decrement.
  if (storage->refs.load(std::memory_order_acquire) != 1 &&
      storage->refs.fetch_sub(1, std::memory_order_acq_rel) != 1)
    return;
  const size_t size_class = storage->size_class;
  const size_t bytes = storage->block_bytes;
  storage->~Storage();
  StorageCache* c = cache();
  if (!c || !c->give(storage, size_class, bytes)) ::operator delete(storage, kAlignment);
}

namespace {

// A block of the gradient stack: this header, then `floats` floats. Blocks are linked in the
// order they are used; a pass that needs more than the blocks it finds adds one.
struct alignas(64) GradBlock {
  GradBlock* next;
  size_t floats;
  float* begin() { return reinterpret_cast<float*>(this + 1); }
  float* end() { return begin() + floats; }
};

constexpr size_t kMinGradBlockFloats = 4096;

// Sanitizer builds (PLEXUS_NO_CACHE) give each buffer a block of its own and free the blocks when
// they are popped, so that a gradient read after its pass, or past its end, shows.
#if PLEXUS_NO_CACHE
constexpr bool kBlockPerBuffer = true;
#else
constexpr bool kBlockPerBuffer = false;
#endif

// Plain pointers, constant-initialised: reaching them costs no guard. The blocks are freed when
// the thread ends, by the owner that the first block's allocation constructs.
struct GradStack {
  GradBlock* first = nullptr;
  GradBlock* current = nullptr;  // nullptr: none in use yet
  float* top = nullptr;
  float* end = nullptr;
};
constinit thread_local GradStack grad_stack;

void free_grad_blocks(GradBlock* block) {
  while (block) {
    GradBlock* next = block->next;
    ::operator delete (block, std::align_val_t{alignof(GradBlock)});
    block = next;
  }
}

struct GradBlocksOwner {
  ~GradBlocksOwner() {
    free_grad_blocks(grad_stack.first);
    grad_stack = {};
  }
};

[[gnu::noinline]] float* push_grad_buffer_in_next_block(size_t floats) {
  static thread_local GradBlocksOwner owner;
  (void)owner;
  GradStack& stack = grad_stack;
  GradBlock*& next = stack.current ? stack.current->next : stack.first;
  if (!next || next->floats < floats) {  // a block large enough replaces the rest of the chain
    free_grad_blocks(next);
    const size_t previous = stack.current ? stack.current->floats : 0;
    const size_t size =
        kBlockPerBuffer ? floats : std::max({floats, 2 * previous, kMinGradBlockFloats});
    void* memory = ::operator new (sizeof(GradBlock) + size * sizeof(float),
                                   std::align_val_t{alignof(GradBlock)});
    next = new (memory) GradBlock{nullptr, size};
  }
  stack.current = next;
  stack.top = next->begin() + floats;
  stack.end = next->end();
  return next->begin();
}

}  // namespace

GradStackMark grad_stack_mark() { return {grad_stack.current, grad_stack.top}; }

float* push_grad_buffer(size_t numel) {
  // Whole 64-byte lines keep every buffer aligned; an empty tensor's gradient is not nullptr.
  const size_t floats = std::max<size_t>((numel + 15) / 16 * 16, 16);
  GradStack& stack = grad_stack;
  if (kBlockPerBuffer || floats > static_cast<size_t>(stack.end - stack.top)) [[unlikely]]
    return push_grad_buffer_in_next_block(floats);
  float* buffer = stack.top;
  stack.top += floats;
  return buffer;
}

void pop_grad_buffers(GradStackMark mark) {
  GradStack& stack = grad_stack;
  auto* marked = static_cast<GradBlock*>(mark.block);
  if constexpr (kBlockPerBuffer) {
    GradBlock*& above = marked ? marked->next : stack.first;
    free_grad_blocks(above);
    above = nullptr;
  }
  // A mark taken before any block was in use pops to the start of the first, which the next pass
  // then fills without a detour through the slow path.
  GradBlock* block = marked ? marked : stack.first;
  stack.current = block;
  stack.top = mark.block ? mark.top : block ? block->begin() : nullptr;
  stack.end = block ? block->end() : nullptr;
}

}  // namespace plexus::detail
