// px::distributed over MPI. Every sum runs in a fixed order (MPI_Allreduce leaves its order to
// the implementation, which may also differ between processes), so runs repeat and processes agree
// bit for bit.
#include <mpi.h>

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <numeric>

#include "base/check.hpp"
#include "plexus/distributed/distributed.hpp"

namespace plexus::distributed {

namespace {

bool g_initialized = false;
int g_rank = 0;
int g_size = 1;

void check(int code, const char* call) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  detail::throw_error("distributed: ", call, " failed on rank ", g_rank, ": ",
                      std::string(text, static_cast<size_t>(length)));
}

void require_initialized(const char* what) {
  PLEXUS_CHECK(g_initialized, "distributed: ", what,
               " before distributed::init() (plexus train --distributed calls it)");
}

int as_count(size_t n) {
  PLEXUS_CHECK(n <= static_cast<size_t>(std::numeric_limits<int>::max()), "distributed: ", n,
               " values in one message, more than MPI's int counts hold");
  return static_cast<int>(n);
}

// Every process's count, and where each one's part starts in the gathered buffer (for Allgatherv).
std::pair<std::vector<int>, std::vector<int>> counts_and_starts(int mine) {
  const auto p = static_cast<size_t>(g_size);
  std::vector<int> counts(p), starts(p);
  check(MPI_Allgather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD),
        "MPI_Allgather");
  std::exclusive_scan(counts.begin(), counts.end(), starts.begin(), 0);
  return {std::move(counts), std::move(starts)};
}

}  // namespace

bool available() { return true; }

void init() {
  PLEXUS_CHECK(!g_initialized, "distributed::init: called twice");
  int provided = 0;
  // Only the thread that calls init talks to MPI; plexus' worker threads never do.
  check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  // Errors come back as codes, which check() turns into exceptions naming the rank.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_size);
  g_initialized = true;
}

void finalize() {
  if (!g_initialized) return;
  MPI_Finalize();
  g_initialized = false;
  g_rank = 0;
  g_size = 1;
}

bool initialized() { return g_initialized; }
int rank() { return g_rank; }
int world_size() { return g_size; }

void all_reduce_sum(std::span<float> values) {
  require_initialized("all_reduce_sum");
  if (g_size == 1) return;
  const auto p = static_cast<size_t>(g_size);
  const size_t n = values.size();
  // Chunk c: [n c / p, n (c + 1) / p), summed by process c.
  std::vector<int> counts(p), starts(p);
  for (size_t c = 0; c < p; ++c) {
    starts[c] = as_count(n * c / p);
    counts[c] = as_count(n * (c + 1) / p) - starts[c];
  }
  const auto mine = static_cast<size_t>(counts[static_cast<size_t>(g_rank)]);
  std::vector<float> received(mine * p);
  std::vector<int> received_counts(p, static_cast<int>(mine)), received_starts(p);
  for (size_t r = 0; r < p; ++r) received_starts[r] = as_count(r * mine);
  check(MPI_Alltoallv(values.data(), counts.data(), starts.data(), MPI_FLOAT, received.data(),
                      received_counts.data(), received_starts.data(), MPI_FLOAT, MPI_COMM_WORLD),
        "MPI_Alltoallv");
  std::vector<float> chunk(received.begin(), received.begin() + static_cast<ptrdiff_t>(mine));
  for (size_t r = 1; r < p; ++r)
    for (size_t i = 0; i < mine; ++i) chunk[i] += received[r * mine + i];
  check(MPI_Allgatherv(chunk.data(), static_cast<int>(mine), MPI_FLOAT, values.data(),
                       counts.data(), starts.data(), MPI_FLOAT, MPI_COMM_WORLD),
        "MPI_Allgatherv");
}

void all_reduce_sum(std::span<double> values) {
  require_initialized("all_reduce_sum");
  if (g_size == 1) return;
  const size_t n = values.size();
  std::vector<double> all(n * static_cast<size_t>(g_size));
  check(MPI_Allgather(values.data(), as_count(n), MPI_DOUBLE, all.data(), as_count(n), MPI_DOUBLE,
                      MPI_COMM_WORLD),
        "MPI_Allgather");
  for (size_t i = 0; i < n; ++i) {
    double sum = all[i];
    for (size_t r = 1; r < static_cast<size_t>(g_size); ++r) sum += all[r * n + i];
    values[i] = sum;
  }
}

Tensor all_gather_rows(const Tensor& local) {
  require_initialized("all_gather_rows");
  PLEXUS_CHECK(local.rank() == 1 || local.rank() == 2,
               "distributed::all_gather_rows: expected a 1-D or 2-D tensor, got shape ",
               local.shape());
  if (g_size == 1) return local;
  const int64_t width = local.rank() == 1 ? 1 : local.shape(1);
  const int mine = as_count(local.numel());
  const auto [counts, starts] = counts_and_starts(mine);
  const int64_t total = (starts.back() + counts.back()) / std::max<int64_t>(width, 1);
  Tensor out = local.rank() == 1 ? Tensor::empty({total}) : Tensor::empty({total, width});
  check(MPI_Allgatherv(local.data(), mine, MPI_FLOAT, out.data(), counts.data(), starts.data(),
                       MPI_FLOAT, MPI_COMM_WORLD),
        "MPI_Allgatherv");
  return out;
}

std::vector<std::string> all_gather(const std::string& text) {
  require_initialized("all_gather");
  const auto p = static_cast<size_t>(g_size);
  const int length = as_count(text.size());
  const auto [lengths, starts] = counts_and_starts(length);
  std::string all(static_cast<size_t>(starts.back() + lengths.back()), '\0');
  check(MPI_Allgatherv(text.data(), length, MPI_CHAR, all.data(), lengths.data(), starts.data(),
                       MPI_CHAR, MPI_COMM_WORLD),
        "MPI_Allgatherv");
  std::vector<std::string> out;
  for (size_t r = 0; r < p; ++r)
    out.push_back(all.substr(static_cast<size_t>(starts[r]), static_cast<size_t>(lengths[r])));
  return out;
}

void abort(int exit_code) {
  if (g_initialized) MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::exit(exit_code);
}

}  // namespace plexus::distributed
