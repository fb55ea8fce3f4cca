// What fit() trains and validates on: mini-batches, one epoch at a time. A DataLoader over a
// Dataset in memory is one kind (fit wraps it); a stream of rows read from files while training
// (data/streaming.hpp) is the other. fit asks nothing else of its data.
#pragma once

#include <cstddef>
#include <optional>

#include "plexus/data/loader.hpp"

namespace plexus::data {

class BatchSource {
 public:
  virtual ~BatchSource() = default;
  /// Rows per epoch.
  virtual size_t rows() const = 0;
  /// Rows per batch; every batch has this many but an epoch's last.
  virtual size_t batch_size() const = 0;
  size_t num_batches() const { return (rows() + batch_size() - 1) / batch_size(); }
  /// Starts epoch `epoch` (its order depends on nothing else, so a run can resume at any epoch).
  virtual void start_epoch(size_t epoch) = 0;
  /// The epoch's next batch; none at its end.
  virtual std::optional<Batch> next() = 0;
};

}  // namespace plexus::data
