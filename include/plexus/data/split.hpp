// Seeded random splits, optionally stratified so that every class keeps its share in both parts:
// of row positions (split_rows, what the tabular pipeline holds out its test and validation rows
// with) and of an in-memory Dataset (train_validation_split); and k folds of row positions
// (fold_rows, an ensemble's members' validation folds); and, for rows streamed rather than held,
// the part of each row from a hash of its position (assign_part).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "plexus/data/dataset.hpp"

namespace plexus::data {

/// Row positions in two parts, each in increasing order.
struct RowSplit {
  std::vector<size_t> kept;
  std::vector<size_t> held_out;
};

/// Holds out round(fraction * rows.size()) of `rows`, drawn with plexus' Generator from `seed`.
/// With `strata` (one class per row of `rows`), each class c holds out round(fraction * N_c) of its
/// N_c rows, classes taken in increasing order, so class proportions are kept. Either part may
/// be empty; both keep the order of `rows`.
RowSplit split_rows(std::span<const size_t> rows, double fraction, uint64_t seed,
                    std::span<const int64_t> strata = {});

/// The fold (0..k-1) of each of `rows` rows: with `strata` (one class per row), classes taken in
/// increasing order, each shuffled with plexus' Generator from `seed` and dealt round-robin, the
/// deal going on from class to class; so folds differ in size by at most one row and keep the
/// classes' shares.
std::vector<size_t> fold_rows(size_t rows, size_t k, uint64_t seed,
                              std::span<const int64_t> strata = {});

enum class Part { train, validation, test };

/// The part of the row at `row_position` (0-based, in file order): a seeded hash (splitmix64) of
/// the position and `seed`, so the same row lands in the same part every epoch and every run, and
/// no row needs to be held. Each row is a test row with probability test_fraction and a
/// validation row with probability validation_fraction (their sum below 1): the parts' sizes
/// match the fractions in expectation, not exactly, and classes are not stratified.
Part assign_part(uint64_t row_position, uint64_t seed, double test_fraction,
                 double validation_fraction);

struct Split {
  Dataset train;
  Dataset validation;
};

/// Moves round(validation_fraction * N) random samples (reproducible from `seed`) to the
/// validation set and the rest to the training set; both keep the original row order.
/// With `stratify`, targets must be class indices [N] and each class c contributes
/// round(validation_fraction * N_c) of its N_c samples, so class proportions are kept.
/// auto [train, validation] = px::data::train_validation_split(data, 0.2, /*seed=*/0);
Split train_validation_split(const Dataset& dataset, double validation_fraction, uint64_t seed = 0,
                             bool stratify = false);

}  // namespace plexus::data
