// The command's settings as the library's options: the columns of a table, the task and the
// recipe.
#include "cli.hpp"

namespace plexus::cli {

std::optional<data::Task> task_of(const std::string& name) {
  if (name.empty()) return std::nullopt;
  return name == "regression" ? data::Task::regression : data::Task::classification;
}

data::TabularOptions tabular_options(const Settings& s) {
  data::Impute impute = data::Impute::none;
  if (s.impute == "mean") impute = data::Impute::mean;
  if (s.impute == "median") impute = data::Impute::median;
  if (s.impute == "most-frequent") impute = data::Impute::most_frequent;
  return {.target = s.target,
          .features = s.features,
          .ignore = s.ignore,
          .categorical = s.categorical,
          .impute = impute,
          .task = task_of(s.task)};
}

train::Recipe recipe_of(const Settings& s) {
  return {.hidden = s.hidden,
          .activation = s.activation,
          .dropout = s.dropout,
          .batch_norm = s.batch_norm,
          .loss = s.loss,
          .optimizer = s.optimizer,
          .lr = s.lr,
          .weight_decay = s.weight_decay.value_or(0.0),
          .schedule = s.schedule,
          .clip_grad = s.clip_grad,
          .batch_size = s.batch_size,
          .epochs = s.epochs,
          .early_stopping = s.early_stopping,
          .seed = s.seed};
}

}  // namespace plexus::cli
