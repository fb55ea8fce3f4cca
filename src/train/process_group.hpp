// The processes fit() trains with: this one alone, or every process of an MPI job
// (FitOptions::distributed). The loop calls it at each point where data-parallel training
// differs; for one process each call is the plain step (the whole batch, backward, no sums).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "plexus/data/loader.hpp"
#include "plexus/distributed/distributed.hpp"
#include "plexus/ops/norm.hpp"
#include "plexus/tensor/tensor.hpp"
#include "plexus/train/fit.hpp"

namespace plexus::train {

class ProcessGroup {
 public:
  /// Checks that every batch of `rows` rows gives each process a row; with sync_batch_norm, batch
  /// norm sums its statistics over the processes while this object lives.
  ProcessGroup(const FitOptions& options, size_t rows, std::vector<Tensor> parameters);
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  /// Rank 0 (or a single process): the one that shows progress and writes checkpoints.
  bool lead() const { return rank_ == 0; }

  /// The rows of a global batch this process takes.
  distributed::Shard shard_of(const data::Batch& global_batch) const;
  data::Batch rows_of(const data::Batch& global_batch, const distributed::Shard& shard) const;

  /// Backward of this shard's mean loss `value`, with the gradients of the global batch's mean
  /// loss summed over the processes; returns the global batch's mean loss.
  double backward(const Tensor& value, const distributed::Shard& shard, int64_t global_rows);

  /// The predictions of the whole global batch, for the training metrics.
  Tensor gather_rows(const Tensor& pred) const;

  /// Replaces `values` by their sums over the processes (the values themselves for one).
  void sum(std::span<double> values) const;

  /// Whether `flag` is raised on any process (all processes agree, so they stop together).
  bool any(bool flag) const;

 private:
  bool distributed_;
  int rank_ = 0;
  int world_ = 1;
  std::optional<distributed::GradientReducer> gradients_;
  distributed::SyncBatchStatistics batch_statistics_;
  BatchStatisticsReducerGuard synchronised_;
};

}  // namespace plexus::train
