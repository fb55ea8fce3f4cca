// The worker pool behind run_on_workers. Each worker owns one cache line of state: a job counter
// the caller bumps, a claim that the worker (or, when the worker is late, the caller) takes, and a
// done counter the worker sets, so a hand-off touches no shared lock.
// Waiting (worker for a job, caller for the parts) is a bounded spin, then std::atomic::wait
// (a futex on Linux).
#include "cpu/workers.hpp"

#include "cpu/denormals.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace plexus::cpu {
namespace {

using Clock = std::chrono::steady_clock;

std::chrono::nanoseconds spin_budget() {
  static const std::chrono::nanoseconds budget = [] {
    const char* value = std::getenv("PLEXUS_WORKER_SPIN_US");
    char* end = nullptr;
    const long us = value && *value ? std::strtol(value, &end, 10) : -1;
    if (us < 0 || us > 1'000'000 || *end != '\0') return std::chrono::nanoseconds(50'000);
    return std::chrono::nanoseconds(us * 1000);
  }();
  return budget;
}

void relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Returns the value of `counter` once it differs from `seen`: spinning for up to the budget, then
// sleeping until notified. After the first 64 checks (a few microseconds) the spin yields the core
// between checks: where the thread it waits for shares this core (more threads than cores, as on
// a busy machine), that one runs at once instead of after the whole spin (measured on W2 there:
// 15 us per call instead of 100).
uint32_t wait_for_change(const std::atomic<uint32_t>& counter, uint32_t seen) {
  const auto budget = spin_budget();
  if (budget.count() > 0) {
    const auto deadline = Clock::now() + budget;
    for (unsigned i = 1;; ++i) {
      const uint32_t value = counter.load(std::memory_order_acquire);
      if (value != seen) return value;
      if (i < 64) {
        relax();
        continue;
      }
      std::this_thread::yield();
      if (Clock::now() >= deadline) break;
    }
  }
  for (;;) {
    counter.wait(seen, std::memory_order_acquire);
    const uint32_t value = counter.load(std::memory_order_acquire);
    if (value != seen) return value;
  }
}

// NOTE: 64, not std::hardware_destructive_interference_size, which GCC warns may change.
struct alignas(64) Slot {
  std::atomic<uint32_t> jobs{0};     // bumped by the caller for each job
  std::atomic<uint32_t> claimed{0};  // set to the job by whoever runs its part: worker or caller
  std::atomic<uint32_t> done{0};     // set to the job by the worker when it has run its part
};

// Takes `job`'s part for the calling thread unless the other side took it first.
bool claim(Slot& slot, uint32_t job) {
  uint32_t previous = job - 1;
  return slot.claimed.compare_exchange_strong(previous, job, std::memory_order_acq_rel);
}

class Pool {
 public:
  ~Pool() {
    stopping_.store(true, std::memory_order_relaxed);
    for (auto& slot : slots_) {
      slot->jobs.fetch_add(1, std::memory_order_release);
      slot->jobs.notify_one();
    }
    for (auto& thread : threads_) thread.join();
  }

  // False if another thread holds the pool.
  bool run(size_t parts, Task task, const void* context) {
    std::unique_lock lock(mutex_, std::try_to_lock);
    if (!lock.owns_lock()) return false;
    while (threads_.size() + 1 < parts) add_worker();
    task_ = task;
    context_ = context;
    float_environment_ = float_environment();
    for (size_t p = 1; p < parts; ++p) {
      Slot& slot = *slots_[p - 1];
      slot.jobs.fetch_add(1, std::memory_order_release);
      slot.jobs.notify_one();
    }
    task(context, 0);
    // A worker that has not taken its part by now is asleep or off its core (a busy machine):
    // the caller runs that part itself rather than wait for it.
    for (size_t p = 1; p < parts; ++p) {
      Slot& slot = *slots_[p - 1];
      const uint32_t job = slot.jobs.load(std::memory_order_relaxed);
      if (claim(slot, job)) {
        task(context, p);
        continue;
      }
      for (uint32_t done = slot.done.load(std::memory_order_acquire); done != job;)
        done = wait_for_change(slot.done, done);
    }
    return true;
  }

 private:
  void add_worker() {
    slots_.push_back(std::make_unique<Slot>());
    threads_.emplace_back(&Pool::work, this, slots_.back().get(), slots_.size());
  }

  // The worker for `part`. It gets its slot, not slots_, which grows while it runs.
  void work(Slot* slot_of_part, size_t part) {
    Slot& slot = *slot_of_part;
    uint32_t seen = 0;
    for (;;) {
      seen = wait_for_change(slot.jobs, seen);
      if (stopping_.load(std::memory_order_relaxed)) return;
      if (!claim(slot, seen)) continue;  // the caller ran it
      {
        const UseFloatEnvironment as_the_caller(float_environment_);
        task_(context_, part);
      }
      slot.done.store(seen, std::memory_order_release);
      slot.done.notify_one();
    }
  }

  std::mutex mutex_;  // held by the thread whose job the workers run
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<std::thread> threads_;
  // Written by the caller before it bumps the workers' job counters, read by them after.
  Task task_ = nullptr;
  const void* context_ = nullptr;
  unsigned float_environment_ = 0;
  std::atomic<bool> stopping_{false};
};

}  // namespace

void run_on_workers(size_t parts, Task task, const void* context) {
  static Pool pool;
  if (parts > 1 && pool.run(parts, task, context)) return;
  for (size_t p = 0; p < parts; ++p) task(context, p);
}

}  // namespace plexus::cpu
