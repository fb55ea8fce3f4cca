// Conformal residuals: the validation rows' own, or each row's from a network trained without
// its fold.
#include "plexus/train/conformal.hpp"

#include <algorithm>
#include <iomanip>
#include <sstream>

#include "base/check.hpp"
#include "plexus/data/split.hpp"
#include "plexus/io/model_file.hpp"
#include "plexus/ops/shape_ops.hpp"
#include "plexus/train/calibration.hpp"

namespace plexus::train {
std::string ConformalResiduals::text() const {
  std::ostringstream out;
  out << "intervals: " << residuals.size();
  if (folds == 0)
    out << " held-out residuals";
  else
    out << " cross-fitted residuals (" << folds << " folds of the training and validation rows, "
        << epochs << " epochs each, " << std::fixed << std::setprecision(1) << seconds
        << " s; fewer than " << kCrossFitBelow << " validation rows)";
  out << " stored for conformal intervals (predict --interval 0.9)\n";
  return out.str();
}

ConformalResiduals conformal_residuals(TrainedModel& trained, const data::PreparedData& data,
                                       const Recipe& recipe, FitOptions options) {
  PLEXUS_CHECK(!data.classification(), "conformal_residuals: needs a regressor");
  ConformalResiduals out;
  if (!data.has_validation()) return out;
  // calibrate() takes a regressor's sorted absolute residuals of the first output.
  const auto residuals_of = [&](const Tensor& outputs, const Tensor& targets) {
    out.residuals = calibrate(outputs, targets, data.task, {}).calibration.residuals;
    return out;
  };
  const auto split = [&] {
    return residuals_of(io::forward_in_batches(trained.network, data.x_validation),
                        data.y_validation);
  };
  if (static_cast<size_t>(data.x_validation.shape(0)) >= kCrossFitBelow) return split();

  // Every labelled row that is not a test row, each in one fold.
  const Tensor x = concat({data.x_train, data.x_validation}, 0);
  const Tensor y = concat({data.y_train, data.y_validation}, 0);
  const bool weighted = data.w_train.defined() && data.w_validation.defined();
  const Tensor w = weighted ? concat({data.w_train, data.w_validation}, 0) : Tensor();
  const auto rows = static_cast<size_t>(x.shape(0));
  out.folds = std::min(kCrossFitFolds, rows / 2);
  if (out.folds < 2) {
    out.folds = 0;
    return split();
  }
  out.epochs = trained.early_stopping ? trained.best_epoch + 1 : trained.history.epochs();
  // Seeded apart from the test split (seed), the validation split (seed + 1) and an ensemble's
  // folds (seed + 2).
  const std::vector<size_t> fold = data::fold_rows(rows, out.folds, recipe.seed + 3);
  Recipe fold_recipe = recipe;
  fold_recipe.epochs = static_cast<int64_t>(out.epochs);
  fold_recipe.early_stopping = 0;
  options.checkpoint_dir.reset();
  options.interrupt_checkpoint_dir.reset();
  options.resume = nullptr;
  std::vector<Tensor> outputs, targets;
  for (size_t f = 0; f < out.folds; ++f) {
    std::vector<int64_t> training, held_out;
    for (size_t r = 0; r < rows; ++r)
      (fold[r] == f ? held_out : training).push_back(static_cast<int64_t>(r));
    data::PreparedData part = data;
    part.x_train = index_rows(x, training);
    part.y_train = index_rows(y, training);
    part.w_train = weighted ? index_rows(w, training) : Tensor();
    part.x_validation = part.y_validation = part.w_validation = Tensor();
    fold_recipe.seed = recipe.seed + f;
    TrainedModel run = train_model(part, fold_recipe, options);
    out.seconds += run.seconds;
    outputs.push_back(io::forward_in_batches(run.network, index_rows(x, held_out)));
    targets.push_back(index_rows(y, held_out));
  }
  return residuals_of(concat(outputs, 0), concat(targets, 0));
}

}  // namespace plexus::train
