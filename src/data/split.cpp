// train_validation_split: shuffle the indices (per class when stratified), cut, sort each part.
#include "plexus/data/split.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <vector>

#include "base/check.hpp"
#include "plexus/tensor/random.hpp"

namespace plexus::data {

namespace {

void shuffle(std::vector<int64_t>& indices, Generator& generator) {
  for (size_t i = indices.size(); i > 1; --i)
    std::swap(indices[i - 1], indices[static_cast<size_t>(generator.below(i))]);
}

size_t share(double fraction, size_t n) {
  return static_cast<size_t>(std::llround(fraction * static_cast<double>(n)));
}

// Samples grouped by class index, classes in increasing order so the result is reproducible.
std::map<int64_t, std::vector<int64_t>> indices_by_class(const Dataset& dataset) {
  const Tensor& targets = dataset.targets();
  PLEXUS_CHECK(targets.rank() == 1 || (targets.rank() == 2 && targets.shape(1) == 1),
               "train_validation_split: stratify needs class indices as targets [N], got ",
               targets.shape());
  std::map<int64_t, std::vector<int64_t>> classes;
  const float* t = targets.data();
  for (size_t i = 0; i < dataset.size(); ++i) {
    PLEXUS_CHECK(t[i] >= 0 && t[i] == std::floor(t[i]), "train_validation_split: stratify needs ",
                 "class indices as targets, but target ", i, " is ", t[i]);
    classes[static_cast<int64_t>(t[i])].push_back(static_cast<int64_t>(i));
  }
  return classes;
}

}  // namespace

Split train_validation_split(const Dataset& dataset, double validation_fraction, uint64_t seed,
                             bool stratify) {
  PLEXUS_CHECK(validation_fraction > 0.0 && validation_fraction < 1.0,
               "train_validation_split: validation_fraction must lie in (0, 1), got ",
               validation_fraction);
  Generator generator(seed);
  std::vector<int64_t> train, validation;
  auto cut = [&](std::vector<int64_t> indices) {
    shuffle(indices, generator);
    const size_t n_validation = share(validation_fraction, indices.size());
    validation.insert(validation.end(), indices.begin(), indices.begin() + n_validation);
    train.insert(train.end(), indices.begin() + n_validation, indices.end());
  };
  if (stratify) {
    for (auto& [label, indices] : indices_by_class(dataset)) cut(std::move(indices));
  } else {
    std::vector<int64_t> all(dataset.size());
    std::iota(all.begin(), all.end(), int64_t{0});
    cut(std::move(all));
  }
  PLEXUS_CHECK(!train.empty() && !validation.empty(), "train_validation_split: a fraction of ",
               validation_fraction, " of ", dataset.size(), " samples leaves ", train.size(),
               " for training and ", validation.size(), " for validation; both need at least one");
  std::sort(train.begin(), train.end());
  std::sort(validation.begin(), validation.end());
  return Split{dataset.subset(train), dataset.subset(validation)};
}

}  // namespace plexus::data
