// The splits and the folds: shuffle the positions (per class when stratified), then cut (sorting
// each part) or deal them round-robin; and the part of a streamed row from a hash of its position.
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

template <typename Index>
void shuffle(std::vector<Index>& indices, Generator& generator) {
  for (size_t i = indices.size(); i > 1; --i)
    std::swap(indices[i - 1], indices[static_cast<size_t>(generator.below(i))]);
}

size_t share(double fraction, size_t n) {
  return static_cast<size_t>(std::llround(fraction * static_cast<double>(n)));
}

// Class indices of a Dataset's targets, checked.
std::vector<int64_t> class_indices(const Dataset& dataset) {
  const Tensor& targets = dataset.targets();
  PLEXUS_CHECK(targets.rank() == 1 || (targets.rank() == 2 && targets.shape(1) == 1),
               "train_validation_split: stratify needs class indices as targets [N], got ",
               targets.shape());
  std::vector<int64_t> classes(dataset.size());
  const float* t = targets.data();
  for (size_t i = 0; i < dataset.size(); ++i) {
    PLEXUS_CHECK(t[i] >= 0 && t[i] == std::floor(t[i]), "train_validation_split: stratify needs ",
                 "class indices as targets, but target ", i, " is ", t[i]);
    classes[i] = static_cast<int64_t>(t[i]);
  }
  return classes;
}

// Positions 0..n-1 grouped by stratum, in increasing stratum order so results are reproducible.
std::map<int64_t, std::vector<size_t>> strata_groups(size_t n, std::span<const int64_t> strata) {
  std::map<int64_t, std::vector<size_t>> groups;
  for (size_t i = 0; i < n; ++i) groups[strata.empty() ? 0 : strata[i]].push_back(i);
  return groups;
}

}  // namespace

RowSplit split_rows(std::span<const size_t> rows, double fraction, uint64_t seed,
                    std::span<const int64_t> strata) {
  PLEXUS_CHECK(fraction >= 0.0 && fraction < 1.0, "split_rows: the fraction held out must lie in ",
               "[0, 1), got ", fraction);
  PLEXUS_CHECK(strata.empty() || strata.size() == rows.size(), "split_rows: ", strata.size(),
               " strata for ", rows.size(), " rows");
  std::map<int64_t, std::vector<size_t>> groups = strata_groups(rows.size(), strata);
  Generator generator(seed);
  std::vector<bool> held(rows.size(), false);
  for (auto& [stratum, positions] : groups) {
    shuffle(positions, generator);
    const size_t take = share(fraction, positions.size());
    for (size_t i = 0; i < take; ++i) held[positions[i]] = true;
  }
  RowSplit split;
  for (size_t i = 0; i < rows.size(); ++i)
    (held[i] ? split.held_out : split.kept).push_back(rows[i]);
  return split;
}

std::vector<size_t> fold_rows(size_t rows, size_t k, uint64_t seed,
                              std::span<const int64_t> strata) {
  PLEXUS_CHECK(k >= 1, "fold_rows: needs at least one fold");
  PLEXUS_CHECK(strata.empty() || strata.size() == rows, "fold_rows: ", strata.size(),
               " strata for ", rows, " rows");
  std::map<int64_t, std::vector<size_t>> groups = strata_groups(rows, strata);
  Generator generator(seed);
  std::vector<size_t> fold(rows, 0);
  size_t next = 0;
  for (auto& [stratum, positions] : groups) {
    shuffle(positions, generator);
    for (const size_t i : positions) fold[i] = next++ % k;
  }
  return fold;
}

Split train_validation_split(const Dataset& dataset, double validation_fraction, uint64_t seed,
                             bool stratify) {
  PLEXUS_CHECK(validation_fraction > 0.0 && validation_fraction < 1.0,
               "train_validation_split: validation_fraction must lie in (0, 1), got ",
               validation_fraction);
  std::vector<size_t> all(dataset.size());
  std::iota(all.begin(), all.end(), size_t{0});
  const std::vector<int64_t> strata = stratify ? class_indices(dataset) : std::vector<int64_t>{};
  const RowSplit rows = split_rows(all, validation_fraction, seed, strata);
  PLEXUS_CHECK(!rows.kept.empty() && !rows.held_out.empty(),
               "train_validation_split: a fraction of ", validation_fraction, " of ",
               dataset.size(), " samples leaves ", rows.kept.size(), " for training and ",
               rows.held_out.size(), " for validation; both need at least one");
  const std::vector<int64_t> train(rows.kept.begin(), rows.kept.end());
  const std::vector<int64_t> validation(rows.held_out.begin(), rows.held_out.end());
  return Split{dataset.subset(train), dataset.subset(validation)};
}

Part assign_part(uint64_t row_position, uint64_t seed, double test_fraction,
                 double validation_fraction) {
  PLEXUS_CHECK(
      test_fraction >= 0 && validation_fraction >= 0 && test_fraction + validation_fraction < 1,
      "the test fraction (", test_fraction, ") and the validation fraction (", validation_fraction,
      ") must be >= 0 and leave rows to train on");
  // splitmix64's finaliser of the position mixed with a hash of the seed: a position's bits
  // spread over all 64, so neighbouring rows (and neighbouring seeds) land independently.
  auto mix = [](uint64_t z) {
    z += 0x9e3779b97f4a7c15;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
    return z ^ (z >> 31);
  };
  const uint64_t hash = mix(row_position ^ mix(seed));
  const double uniform = static_cast<double>(hash >> 11) * 0x1.0p-53;  // in [0, 1)
  if (uniform < test_fraction) return Part::test;
  if (uniform < test_fraction + validation_fraction) return Part::validation;
  return Part::train;
}

}  // namespace plexus::data
