// Train/validation split of an in-memory Dataset: a seeded random split, optionally stratified so
// that every class keeps its share in both parts. It does not do k-fold cross-validation.
#pragma once

#include <cstdint>

#include "plexus/data/dataset.hpp"

namespace plexus::data {

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
