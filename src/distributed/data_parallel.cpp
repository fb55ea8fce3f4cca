// The pieces of data-parallel training that do not talk to MPI themselves: shards of a batch, the
// flattening of gradients into one buffer, and the agreement on errors.
#include <algorithm>

#include "base/check.hpp"
#include "plexus/distributed/distributed.hpp"

namespace plexus::distributed {

Shard shard_of(int64_t rows, int rank, int world_size) {
  PLEXUS_CHECK(world_size > 0 && rank >= 0 && rank < world_size, "distributed: rank ", rank,
               " is not in a world of ", world_size);
  const int64_t base = rows / world_size;
  const int64_t extra = rows % world_size;
  return {rank * base + std::min<int64_t>(rank, extra), base + (rank < extra ? 1 : 0)};
}

GradientReducer::GradientReducer(std::vector<Tensor> parameters)
    : parameters_(std::move(parameters)) {}

void GradientReducer::all_reduce() {
  buffer_.clear();
  for (const Tensor& parameter : parameters_) {
    const Tensor grad = parameter.grad();
    if (grad.defined()) buffer_.insert(buffer_.end(), grad.data(), grad.data() + grad.numel());
  }
  all_reduce_sum(buffer_);
  size_t at = 0;
  for (const Tensor& parameter : parameters_) {
    Tensor grad = parameter.grad();
    if (!grad.defined()) continue;
    std::copy_n(buffer_.data() + at, grad.numel(), grad.data());
    at += grad.numel();
  }
}

void agree_on_errors(const std::optional<std::string>& error, std::string_view what) {
  // An error without text still counts as one.
  const std::string mine = error ? (error->empty() ? std::string("unknown error") : *error) : "";
  const std::vector<std::string> errors = all_gather(mine);
  std::string message;
  for (size_t r = 0; r < errors.size(); ++r)
    if (!errors[r].empty())
      message += (message.empty() ? "" : "; ") + std::string(what) + " failed on rank " +
                 std::to_string(r) + ": " + errors[r];
  if (!message.empty()) throw JobError(message);
}

void check_same_data(std::span<const Tensor> tensors, std::string_view hint) {
  uint64_t hash = 1469598103934665603ull;  // FNV-1a over the tensors' bytes
  for (const Tensor& t : tensors) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(t.data());
    for (size_t i = 0; i < t.numel() * sizeof(float); ++i)
      hash = (hash ^ bytes[i]) * 1099511628211ull;
  }
  const std::string mine = std::to_string(tensors.empty() ? 0 : tensors.front().shape(0)) +
                           " training rows, hash " + std::to_string(hash);
  const std::vector<std::string> all = all_gather(mine);
  std::optional<std::string> error;
  if (mine != all[0])
    error = "its training data (" + mine + ") differ from rank 0's (" + all[0] + "); " +
            std::string(hint);
  agree_on_errors(error, "checking the data");
}

}  // namespace plexus::distributed
