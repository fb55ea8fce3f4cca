// The thread setting, applied to OpenBLAS and to OpenMP (plexus' own loops) together, so the two
// pools never ask for more cores than the user allowed.
#include "plexus/threads.hpp"

#include <omp.h>

#include <cstdlib>
#include <string>

#include "plexus/error.hpp"

#if PLEXUS_OPENBLAS
extern "C" void openblas_set_num_threads(int);
#endif

namespace plexus {
namespace {

int current_threads = 0;

void apply(int threads) {
  current_threads = threads;
  omp_set_num_threads(threads);
#if PLEXUS_OPENBLAS
  openblas_set_num_threads(threads);
#endif
}

// Reads PLEXUS_NUM_THREADS once, when the library is loaded.
[[maybe_unused]] const bool from_environment = [] {
  const char* value = std::getenv("PLEXUS_NUM_THREADS");
  if (!value || !*value) return false;
  char* end = nullptr;
  const long threads = std::strtol(value, &end, 10);
  if (*end != '\0' || threads < 1 || threads > 1024) return false;  // ignored, as OpenMP does
  apply(static_cast<int>(threads));
  return true;
}();

}  // namespace

void set_num_threads(int threads) {
  PLEXUS_CHECK(threads >= 1, "set_num_threads: need at least 1 thread, got ", threads);
  apply(threads);
}

int num_threads() { return current_threads > 0 ? current_threads : omp_get_max_threads(); }

}  // namespace plexus
