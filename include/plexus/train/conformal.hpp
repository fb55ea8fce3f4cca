// A regressor's conformal residuals: split conformal on the validation rows when they are many
// enough, else cross-fitted on folds of the training and validation rows together. Few validation
// rows give a coarse quantile (with n residuals the 90% interval's expected coverage is
// ceil(0.9 (n + 1)) / (n + 1): 92.9% at n = 13), and the very rows that chose the best epoch are
// then the ones that judge its errors, so their residuals come out small.
//
//   auto trained = px::train::train_model(data, recipe);
//   auto fitted = px::train::conformal_residuals(trained, data, recipe);
//   info.calibration.residuals = fitted.residuals;
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "plexus/data/prepare.hpp"
#include "plexus/train/fit.hpp"
#include "plexus/train/recipe.hpp"

namespace plexus::train {

/// Below this many validation rows, conformal_residuals cross-fits. Measured on the tabular
/// benchmark's small regression sets (bench/calibration.py, 20 seeds): with 13 to 35 validation
/// rows split conformal covered 87-90% at the 90% level, cross-fitting on 10 folds 90-90.5%. At
/// 100 rows the split quantile's expected coverage is at most a point above its level and the
/// choice of the best epoch moves it about as much the other way; below them the folds' networks
/// train on at most 1,000 rows or so, so cross-fitting stays cheap.
inline constexpr size_t kCrossFitBelow = 100;
/// The folds of a cross-fit: each network trains on 90% of the rows, about as many as the model
/// itself (5 folds, 80%, left the residuals of the smallest set too large: 93% coverage).
inline constexpr size_t kCrossFitFolds = 10;

struct ConformalResiduals {
  std::vector<double> residuals;  ///< |target - prediction| of the first output, ascending
  size_t folds = 0;               ///< 0: split conformal on the validation rows
  size_t epochs = 0;              ///< cross-fit: the epochs each fold's network trained
  double seconds = 0;             ///< cross-fit: the folds' training time
  /// The line the command prints: how many residuals, from which rows.
  std::string text() const;
};

/// The held-out absolute residuals for `trained` (a regressor that train_model trained on `data`
/// with `recipe`). With at least kCrossFitBelow validation rows: those of the validation rows.
/// With fewer (but some): the training and validation rows are cut into kCrossFitFolds folds, and
/// for each fold the recipe trains a network on the other rows for as many epochs as `trained`
/// kept (best_epoch + 1 with early stopping), with no early stopping, so that no fold's rows
/// choose anything for the network that is judged on them; each row's residual is that network's.
/// `options` as train_model's (progress, data parallelism); checkpoints are not written.
ConformalResiduals conformal_residuals(TrainedModel& trained, const data::PreparedData& data,
                                       const Recipe& recipe, FitOptions options = {});

}  // namespace plexus::train
