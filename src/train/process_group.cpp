// Data-parallel steps for fit(); see process_group.hpp.
#include "train/process_group.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "base/check.hpp"

namespace plexus::train {

ProcessGroup::ProcessGroup(const FitOptions& options, size_t rows, std::vector<Tensor> parameters)
    : distributed_(options.distributed),
      synchronised_(options.distributed && options.sync_batch_norm ? &batch_statistics_
                                                                   : batch_statistics_reducer()) {
  if (!distributed_) return;
  PLEXUS_CHECK(distributed::initialized(),
               "fit: distributed needs distributed::init() first, in a process mpirun started");
  rank_ = distributed::rank();
  world_ = distributed::world_size();
  const size_t last_batch =
      rows % options.batch_size ? rows % options.batch_size : std::min(rows, options.batch_size);
  PLEXUS_CHECK(std::min(options.batch_size, last_batch) >= static_cast<size_t>(world_),
               "fit: a batch of ", std::min(options.batch_size, last_batch), " rows (", rows,
               " rows in batches of ", options.batch_size, ") cannot give each of ", world_,
               " processes a row; use fewer processes or another batch size");
  gradients_.emplace(std::move(parameters));
}

distributed::Shard ProcessGroup::shard_of(const data::Batch& global_batch) const {
  const int64_t rows = global_batch.x.shape(0);
  return distributed_ ? distributed::shard_of(rows, rank_, world_) : distributed::Shard{0, rows};
}

data::Batch ProcessGroup::rows_of(const data::Batch& global_batch,
                                  const distributed::Shard& shard) const {
  if (!distributed_) return global_batch;
  return {global_batch.x.slice_rows(shard.offset, shard.offset + shard.rows),
          global_batch.y.slice_rows(shard.offset, shard.offset + shard.rows)};
}

double ProcessGroup::backward(const Tensor& value, const distributed::Shard& shard,
                              int64_t global_rows) {
  const double loss = value.item();
  if (!distributed_) {
    value.backward();
    return loss;
  }
  // The global batch's mean loss is the shards' means weighted by their share of its rows.
  value.backward(Tensor::scalar(static_cast<float>(shard.rows) / static_cast<float>(global_rows)));
  gradients_->all_reduce();
  // A shard of a shared stream's batch may be empty (its mean loss is not a number then).
  std::array<double, 1> loss_sum_of_shard{shard.rows > 0 ? loss * static_cast<double>(shard.rows)
                                                         : 0.0};
  distributed::all_reduce_sum(loss_sum_of_shard);
  return loss_sum_of_shard[0] / static_cast<double>(global_rows);
}

Tensor ProcessGroup::gather_rows(const Tensor& pred) const {
  return distributed_ ? distributed::all_gather_rows(pred) : pred;
}

void ProcessGroup::sum(std::span<double> values) const {
  if (distributed_) distributed::all_reduce_sum(values);
}

bool ProcessGroup::any(bool flag) const {
  std::array<double, 1> raised{flag ? 1.0 : 0.0};
  if (distributed_) distributed::all_reduce_sum(raised);
  return raised[0] > 0;
}

}  // namespace plexus::train
