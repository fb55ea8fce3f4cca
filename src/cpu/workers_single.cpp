// run_on_workers for builds without threads (WebAssembly without pthreads, which a static page
// cannot rely on): every part runs on the calling thread, in order. The parts are the same as with
// workers, so the results are the same bits.
#include "cpu/workers.hpp"

namespace plexus::cpu {

void run_on_workers(size_t parts, Task task, const void* context) {
  for (size_t p = 0; p < parts; ++p) task(context, p);
}

}  // namespace plexus::cpu
