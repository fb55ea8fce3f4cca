// plexus' own worker threads, the only threads plexus computes on besides the caller's. They run
// the blocks of large matrix products (cpu/blas.cpp; BLAS itself is single-threaded) and batch-1
// inference, where each takes a fixed share of each layer, so each core keeps its share of the
// weights in its own cache.
//
// Between jobs a worker spins for a short while (PLEXUS_WORKER_SPIN_US microseconds, 50 unless
// set; 0 sleeps at once), yielding its core after the first few microseconds, then sleeps until
// woken. Only run_on_workers() wakes them.
#pragma once

#include <algorithm>
#include <cstddef>

#include "plexus/cpu/threads.hpp"

namespace plexus::cpu {

/// A part of a job: task(context, part).
using Task = void (*)(const void* context, size_t part);

/// Runs task(context, part) for part = 0 .. parts-1 and returns when all are done: part 0 on the
/// calling thread, part p on worker p, the same worker every call, unless that worker has not
/// started it when part 0 is done (asleep, or off its core on a busy machine): then the calling
/// thread runs it. While another thread uses the workers, every part runs on the calling thread.
/// Every part runs in the caller's float environment (cpu/denormals.hpp), wherever it runs.
void run_on_workers(size_t parts, Task task, const void* context);

/// The same with any callable f(part).
template <typename F>
void run_on_workers(size_t parts, const F& f) {
  run_on_workers(
      parts, [](const void* context, size_t part) { (*static_cast<const F*>(context))(part); }, &f);
}

/// f(begin, end) over [0, n) in at most num_threads() parts of at least min_per_part elements,
/// each starting on a multiple of 16 elements (so each part's vectors stay aligned as the
/// tensor's are); one part is a plain call. For element-wise work: an element that reads no other
/// gets the same bits from any split and any thread count.
template <typename F>
void run_elementwise(size_t n, size_t min_per_part, const F& f) {
  constexpr size_t kAlign = 16;
  const size_t parts =
      std::clamp<size_t>(n / min_per_part, 1, static_cast<size_t>(plexus::num_threads()));
  if (parts == 1) return f(size_t{0}, n);
  const size_t tiles = (n + kAlign - 1) / kAlign;
  run_on_workers(parts, [&](size_t part) {
    f(std::min(n, tiles * part / parts * kAlign), std::min(n, tiles * (part + 1) / parts * kAlign));
  });
}

}  // namespace plexus::cpu
