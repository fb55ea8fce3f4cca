// Ensembles of the recipe: K members, each the recipe's network with its own seed (seed + i),
// sharing one input pipeline, saved as one network whose output is the mean of theirs
// (nn::Ensemble). The rows are split into K folds (data::fold_rows), stratified for
// classification; member i
// validates and stops early on fold i and trains on the others (bagging), or afterwards trains
// again on every row for the epochs fold i chose (refit: regression's default). Training takes K
// times (refit about 2K times) as long as one network:
//
//   auto data = px::data::prepare_table(table, {.target = "y"}, {.validation_fraction = 0});
//   auto ensemble = px::train::train_ensemble(data, px::train::Recipe{}, {.members = 5});
//   px::io::save_model(ensemble.model.network, "y.plx", px::train::model_info(data));
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <vector>

#include "plexus/data/prepare.hpp"
#include "plexus/tensor/tensor.hpp"
#include "plexus/train/fit.hpp"
#include "plexus/train/metrics.hpp"
#include "plexus/train/recipe.hpp"

namespace plexus::train {

enum class EnsembleFit {
  bagging,  ///< member i is the network that validated on fold i: trained on the other folds
  refit,    ///< member i trains again, on every row, for the epochs its fold-i run chose
};

/// The fit an ensemble of `task` gets unless told: bagging for classification, refit for
/// regression. On the tabular benchmark, 5 members: classification error 0.040 bagged against
/// refit's 0.049 (11 sets); regression RMSE/std 3.7% below one network's with refit against 2.5%
/// bagged (5 sets, 8 splits each, paired; bench/TABULAR.md block 7), where a member's fewer rows
/// cost the small sets most (Servo: 133 rows).
EnsembleFit default_ensemble_fit(data::Task task);

/// A refit's recipe: `recipe` (the fold run's, seed included) for the epochs up to the fold run's
/// best (from 0), without early stopping: on every row there is no fold left to stop on.
Recipe refit_recipe(Recipe recipe, size_t best_epoch);

struct EnsembleOptions {
  size_t members = 5;
  /// Unset: default_ensemble_fit of the data's task.
  std::optional<EnsembleFit> fit;
  /// Called as member i (from 0) of `members` starts its run, and as its refit starts.
  std::function<void(size_t member, size_t members, bool refit)> on_member;
};

struct TrainedEnsemble {
  /// network: nn::Ensemble of the members inside a Sequential (what a model file holds), in eval
  /// mode; seconds and samples_per_second: all runs together; the rest: the first member's.
  TrainedModel model;
  /// Each member's run (a refit member's last run); their networks share the ensemble's tensors.
  std::vector<TrainedModel> members;
  /// The members' outputs on the rows each held out, in the rows' order: an honest validation of
  /// one member, as none of them trained on its row (the ensemble itself has no held-out rows).
  Tensor out_of_fold;
  metrics::Scores validation;  ///< of out_of_fold
};

/// Trains `ensemble.members` members on data.x_train (the folds come from it, so the data has no
/// validation rows of its own: prepare it with validation_fraction 0). One member is
/// train_model(data, recipe, options) itself. `options` as train_model's, without checkpoints.
TrainedEnsemble train_ensemble(const data::PreparedData& data, const Recipe& recipe,
                               const EnsembleOptions& ensemble, FitOptions options = {});

}  // namespace plexus::train
