// px::distributed where plexus was built without MPI: a job of one process; init() says what to
// install.
#include <cstdlib>

#include "base/check.hpp"
#include "plexus/distributed/distributed.hpp"

namespace plexus::distributed {

bool available() { return false; }

void init() {
  detail::throw_error(
      "distributed: this plexus was built without MPI; install OpenMPI (Debian: libopenmpi-dev "
      "openmpi-bin, or scripts/install-deps.sh) and rebuild, or train without --distributed");
}

void finalize() {}
bool initialized() { return false; }
int rank() { return 0; }
int world_size() { return 1; }
void all_reduce_sum(std::span<float>) {}
void all_reduce_sum(std::span<double>) {}
Tensor all_gather_rows(const Tensor& local) { return local; }

std::vector<std::string> all_gather(const std::string& text) { return {text}; }

void abort(int exit_code) { std::exit(exit_code); }

}  // namespace plexus::distributed
