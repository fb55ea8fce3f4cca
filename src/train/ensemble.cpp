// Ensembles of the recipe: the folds, one train_model run per member (and per refit), and the
// members joined into one nn::Ensemble. What a member trains on is PreparedData again, so every
// member is exactly a run of train_model.
#include "plexus/train/ensemble.hpp"

#include <utility>

#include "base/check.hpp"
#include "plexus/data/split.hpp"
#include "plexus/io/model_file.hpp"
#include "plexus/nn/ensemble.hpp"
#include "plexus/ops/shape_ops.hpp"

namespace plexus::train {
namespace {

/// The rows of `data`'s training part at `rows`, as the training part of a copy.
data::PreparedData rows_of(const data::PreparedData& data, const std::vector<int64_t>& rows) {
  data::PreparedData out = data;
  out.x_train = index_rows(data.x_train, rows);
  out.y_train = index_rows(data.y_train, rows);
  if (data.w_train.defined()) out.w_train = index_rows(data.w_train, rows);
  return out;
}

}  // namespace

EnsembleFit default_ensemble_fit(data::Task task) {
  return task == data::Task::regression ? EnsembleFit::refit : EnsembleFit::bagging;
}

Recipe refit_recipe(Recipe recipe, size_t best_epoch) {
  recipe.epochs = static_cast<int64_t>(best_epoch) + 1;
  recipe.early_stopping = 0;
  return recipe;
}

TrainedEnsemble train_ensemble(const data::PreparedData& data, const Recipe& recipe,
                               const EnsembleOptions& ensemble, FitOptions options) {
  const size_t k = ensemble.members;
  PLEXUS_CHECK(k >= 1, "train_ensemble: needs at least one member");
  TrainedEnsemble out;
  if (k == 1) {
    if (ensemble.on_member) ensemble.on_member(0, 1, false);
    out.model = train_model(data, recipe, options);
    out.members.push_back(out.model);
    return out;
  }
  PLEXUS_CHECK(!data.has_validation(), "train_ensemble: the data has validation rows of its own; ",
               "the members validate on folds of the training rows (prepare with "
               "validation_fraction 0)");
  PLEXUS_CHECK(!options.resume && !options.checkpoint_dir, "train_ensemble: an ensemble of ", k,
               " members is not checkpointed (train one member to use checkpoints)");
  const auto rows = static_cast<size_t>(data.x_train.shape(0));
  PLEXUS_CHECK(rows >= 2 * k, "train_ensemble: ", rows, " training rows are too few for ", k,
               " members (each needs a fold to validate on and rows to train on)");
  // An interrupted member leaves no checkpoint: it could not resume the ensemble.
  options.interrupt_checkpoint_dir.reset();
  // Stratified for classification; seeded apart from the test split (seed) and a validation
  // split (seed + 1).
  std::vector<int64_t> classes;
  if (data.classification())
    for (size_t r = 0; r < rows; ++r)
      classes.push_back(static_cast<int64_t>(data.y_train.data()[r]));
  const std::vector<size_t> fold = data::fold_rows(rows, k, recipe.seed + 2, classes);
  const EnsembleFit fit = ensemble.fit.value_or(default_ensemble_fit(data.task));

  std::vector<nn::Sequential> networks;
  std::vector<Tensor> held_out_outputs(k);
  std::vector<std::vector<int64_t>> held_out(k);
  double samples = 0;
  for (size_t member = 0; member < k; ++member) {
    std::vector<int64_t> training;
    for (size_t r = 0; r < rows; ++r)
      (fold[r] == member ? held_out[member] : training).push_back(static_cast<int64_t>(r));
    data::PreparedData part = rows_of(data, training);
    part.x_validation = index_rows(data.x_train, held_out[member]);
    part.y_validation = index_rows(data.y_train, held_out[member]);
    if (data.w_train.defined()) part.w_validation = index_rows(data.w_train, held_out[member]);
    Recipe member_recipe = recipe;
    member_recipe.seed = recipe.seed + member;
    if (ensemble.on_member) ensemble.on_member(member, k, false);
    TrainedModel run = train_model(part, member_recipe, options);
    held_out_outputs[member] = io::forward_in_batches(run.network, part.x_validation);
    out.model.seconds += run.seconds;
    samples += run.samples_per_second * run.seconds;
    if (fit == EnsembleFit::refit) {
      // The same network (seed) again, on every row, for as many epochs as fold `member` chose.
      if (ensemble.on_member) ensemble.on_member(member, k, true);
      run = train_model(data, refit_recipe(member_recipe, run.best_epoch), options);
      out.model.seconds += run.seconds;
      samples += run.samples_per_second * run.seconds;
    }
    networks.push_back(run.network);
    out.members.push_back(std::move(run));
  }

  // The held-out outputs back in the rows' order.
  std::vector<int64_t> position(rows);
  std::vector<int64_t> order;
  for (const auto& part : held_out) order.insert(order.end(), part.begin(), part.end());
  for (size_t i = 0; i < order.size(); ++i) position[static_cast<size_t>(order[i])] = i;
  out.out_of_fold = index_rows(concat(held_out_outputs, 0), position);
  out.validation =
      metrics::evaluate(out.out_of_fold, data.y_train, data.task, {}, recipe.quantiles);

  const TrainedModel& first = out.members.front();
  out.model.history = first.history;
  out.model.best_epoch = first.best_epoch;
  out.model.early_stopping = first.early_stopping;
  out.model.training_rows = first.training_rows;
  out.model.batch_size = first.batch_size;
  // Each member's balanced weights count its own rows; the model records those of all of them.
  out.model.class_weights = class_weights(recipe.class_weight, data);
  if (out.model.seconds > 0) out.model.samples_per_second = samples / out.model.seconds;
  out.model.network.push_back(nn::Ensemble(std::move(networks)));
  out.model.network.eval();
  return out;
}

}  // namespace plexus::train
