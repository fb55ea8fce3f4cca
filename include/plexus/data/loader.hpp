// px::data::DataLoader: walks a Dataset in mini-batches, one epoch per range-for loop.
//   batch_size = 1 is stochastic gradient descent, batch_size = N is full-batch gradient descent,
//   anything between is mini-batch gradient descent.
// With shuffle on, each epoch's order is a fresh permutation drawn from (seed, epoch number), so
// a run repeats exactly. It does not transform data (scaling, augmentation): do that beforehand.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <vector>

#include "plexus/data/dataset.hpp"
#include "plexus/tensor/tensor.hpp"

namespace plexus::data {

/// One mini-batch: x: [B, F], y: [B] or [B, K] (B = batch_size, or fewer for the last batch);
/// weight: [B], or empty when the dataset has no weights.
struct Batch {
  Tensor x, y, weight;
};

struct DataLoaderOptions {
  size_t batch_size = 32;
  bool shuffle = false;
  bool drop_last = false;  ///< skip a last batch smaller than batch_size
  uint64_t seed = 0;       ///< with the epoch number, picks each epoch's order
};

class DataLoader {
 public:
  using Options = DataLoaderOptions;

  /// Keeps a handle to the dataset's tensors (no copy).
  explicit DataLoader(const Dataset& dataset, Options options = {});

  /// Walks one epoch: for (const px::data::Batch& batch : loader) { ... }
  class Iterator {
   public:
    using value_type = Batch;
    using difference_type = std::ptrdiff_t;
    const Batch& operator*() const { return batch_; }
    const Batch* operator->() const { return &batch_; }
    Iterator& operator++();
    void operator++(int) { ++*this; }
    bool operator==(std::default_sentinel_t) const { return index_ >= loader_->num_batches(); }

   private:
    friend class DataLoader;
    Iterator(const DataLoader* loader, size_t index);
    void load();

    const DataLoader* loader_ = nullptr;
    size_t index_ = 0;
    Batch batch_;
  };

  /// Starts the next epoch (drawing a new order when shuffling) at its first batch.
  Iterator begin();
  std::default_sentinel_t end() const { return {}; }

  /// Batches per epoch: ceil(N / batch_size), or floor with drop_last.
  size_t num_batches() const;
  size_t batch_size() const { return options_.batch_size; }
  const Dataset& dataset() const { return dataset_; }
  /// Epochs started so far; the next begin() uses this number to draw its order.
  size_t epoch() const { return epoch_; }
  /// Makes the next begin() draw the order of `epoch` (to resume a run).
  void set_epoch(size_t epoch) { epoch_ = epoch; }
  /// The sample order of the current epoch (rows of the dataset, in batch order).
  const std::vector<int64_t>& order() const { return order_; }

 private:
  Dataset dataset_;
  Options options_;
  size_t epoch_ = 0;
  std::vector<int64_t> order_;
};

}  // namespace plexus::data
