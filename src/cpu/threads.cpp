// The thread setting, for plexus' own workers (cpu/workers.hpp): they run the blocks of large
// matrix products (cpu/blas.cpp) and batch-1 inference. BLAS itself always runs single-threaded,
// so that how a product is split, and so its bits, never depends on the thread count or on the
// BLAS's choices for this processor. Element-wise loops run on the calling thread, but for two
// large ones whose elements are each computed alone (Adam's update, a mini-batch's gather).
// NOTE: they are deliberately not OpenMP-threaded: libgomp's workers spin after each parallel
// region and fight other threads for the cores (an OpenMP Adam update took W1 from 112k to 30k
// samples/s on 2 cores).
#include "plexus/cpu/threads.hpp"

#include <cstdlib>
#include <thread>

#include "base/check.hpp"

#if PLEXUS_OPENBLAS
extern "C" void openblas_set_num_threads(int);
// OpenBLAS's pthreads build starts its own threads as it loads, and they spin for tens of
// milliseconds before they sleep: on 2 cores one took the core of plexus' worker, whose parts the
// caller then ran (W2 at 2 threads as slow as at 1, small trainings slower). Its fork handler's
// shutdown joins them; other builds (OpenMP, serial) lack it, hence weak.
extern "C" int blas_thread_shutdown_(void) __attribute__((weak));
#endif

namespace plexus {
namespace {

int current_threads = 0;

#if PLEXUS_OPENBLAS
// Once, when the library is loaded (after OpenBLAS, which it links): OPENBLAS_NUM_THREADS and the
// core count no longer matter.
[[maybe_unused]] const bool blas_single_threaded = [] {
  openblas_set_num_threads(1);
  if (blas_thread_shutdown_) blas_thread_shutdown_();
  return true;
}();
#endif

// Reads PLEXUS_NUM_THREADS once, when the library is loaded.
[[maybe_unused]] const bool from_environment = [] {
  const char* value = std::getenv("PLEXUS_NUM_THREADS");
  if (!value || !*value) return false;
  char* end = nullptr;
  const long threads = std::strtol(value, &end, 10);
  if (*end != '\0' || threads < 1 || threads > 1024) return false;  // not a thread count
  current_threads = static_cast<int>(threads);
  return true;
}();

}  // namespace

void set_num_threads(int threads) {
  PLEXUS_CHECK(threads >= 1, "set_num_threads: need at least 1 thread, got ", threads);
  current_threads = threads;
}

int num_threads() {
  if (current_threads > 0) return current_threads;
  const unsigned cores = std::thread::hardware_concurrency();
  return cores > 0 ? static_cast<int>(cores) : 1;
}

}  // namespace plexus
