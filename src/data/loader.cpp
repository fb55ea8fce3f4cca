// DataLoader: a permutation per epoch and a gather of each batch's rows.
// NOTE: every batch is a fresh tensor rather than one buffer overwritten in place, because the
// autograd graph or the caller may still hold the previous batch. The blocks come from the
// storage cache (src/tensor/storage.hpp), so the steady state allocates nothing from the system.
#include "plexus/data/loader.hpp"

#include <algorithm>
#include <numeric>
#include <span>

#include "base/check.hpp"
#include "plexus/ops.hpp"
#include "plexus/tensor/random.hpp"

namespace plexus::data {

namespace {

// Fisher-Yates from a generator seeded by (seed, epoch): the order of epoch e depends on nothing
// but those two numbers, so skipping or repeating epochs cannot shift later ones.
void shuffle(std::vector<int64_t>& order, uint64_t seed, size_t epoch) {
  Generator generator(seed ^ (0x9e3779b97f4a7c15ull * (static_cast<uint64_t>(epoch) + 1)));
  for (size_t i = order.size(); i > 1; --i) {
    const size_t j = static_cast<size_t>(generator.below(i));
    std::swap(order[i - 1], order[j]);
  }
}

}  // namespace

DataLoader::DataLoader(const Dataset& dataset, Options options)
    : dataset_(dataset), options_(options), order_(dataset.size()) {
  PLEXUS_CHECK(options.batch_size >= 1, "DataLoader: batch_size must be at least 1");
  PLEXUS_CHECK(!dataset.empty(), "DataLoader: the dataset is empty");
  std::iota(order_.begin(), order_.end(), int64_t{0});
}

size_t DataLoader::num_batches() const {
  const size_t n = dataset_.size();
  const size_t b = options_.batch_size;
  return options_.drop_last ? n / b : (n + b - 1) / b;
}

DataLoader::Iterator DataLoader::begin() {
  if (options_.shuffle) {
    std::iota(order_.begin(), order_.end(), int64_t{0});
    shuffle(order_, options_.seed, epoch_);
  }
  ++epoch_;
  return Iterator(this, 0);
}

DataLoader::Iterator::Iterator(const DataLoader* loader, size_t index)
    : loader_(loader), index_(index) {
  load();
}

DataLoader::Iterator& DataLoader::Iterator::operator++() {
  ++index_;
  load();
  return *this;
}

void DataLoader::Iterator::load() {
  batch_ = Batch{};  // drop our handles first, so their blocks can be reused for this batch
  if (index_ >= loader_->num_batches()) return;
  const size_t b = loader_->options_.batch_size;
  const size_t begin = index_ * b;
  const size_t end = std::min(begin + b, loader_->dataset_.size());
  const std::span<const int64_t> rows(loader_->order_.data() + begin, end - begin);
  batch_.x = index_rows(loader_->dataset_.features(), rows);
  batch_.y = index_rows(loader_->dataset_.targets(), rows);
  if (loader_->dataset_.weights().defined())
    batch_.weight = index_rows(loader_->dataset_.weights(), rows);
}

}  // namespace plexus::data
