// What fit() trains and validates on: mini-batches, one epoch at a time. A DataLoader over a
// Dataset in memory is one kind (fit wraps it); a stream of rows read from files while training
// (data/streaming.hpp) is the other. fit asks nothing else of its data.
#pragma once

#include <cstddef>
#include <optional>

#include "plexus/data/loader.hpp"

namespace plexus::data {

/// Where a batch of this process's rows sits in the global batch of all processes.
struct BatchShare {
  size_t offset = 0;
  size_t global_rows = 0;
};

class BatchSource {
 public:
  virtual ~BatchSource() = default;
  /// Rows per epoch (of every process, for a source that gives each its share).
  virtual size_t rows() const = 0;
  /// Rows per batch; every batch has this many but an epoch's last.
  virtual size_t batch_size() const = 0;
  size_t num_batches() const { return (rows() + batch_size() - 1) / batch_size(); }
  /// Starts epoch `epoch` (its order depends on nothing else, so a run can resume at any epoch).
  virtual void start_epoch(size_t epoch) = 0;
  /// The epoch's next batch; none at its end.
  virtual std::optional<Batch> next() = 0;
  /// For a source that gives each process of a distributed run only its own rows (a shared
  /// stream): the last batch's place in the global batch, which the other processes hold the
  /// rest of (this process's part may be empty). None: each batch is the global batch.
  virtual std::optional<BatchShare> share() const { return std::nullopt; }
};

}  // namespace plexus::data
