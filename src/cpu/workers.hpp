// plexus' own worker threads, the only threads plexus computes on besides the caller's. They run
// the blocks of large matrix products (cpu/blas.cpp; BLAS itself is single-threaded) and batch-1
// inference, where each takes a fixed share of each layer, so each core keeps its share of the
// weights in its own cache.
//
// Between jobs a worker spins for a short while (PLEXUS_WORKER_SPIN_US microseconds, 50 unless
// set; 0 sleeps at once), yielding its core after the first few microseconds, then sleeps until
// woken. Only run_on_workers() wakes them.
#pragma once

#include <cstddef>

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

}  // namespace plexus::cpu
