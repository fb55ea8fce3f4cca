// The defaults of plexus train that depend on the task: a regression table gets its own recipe
// (measured in bench/TABULAR.md), a classification table the settings' own defaults. Flags,
// --config and a checkpoint always win over them:
//
//   px::train::TrainSettings s;  // --data houses.csv, the task inferred as regression
//   px::train::resolve_task_defaults(s, {"lr"}, px::data::Task::regression);  // --lr stays
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "plexus/data/tabular.hpp"
#include "plexus/train/settings.hpp"

namespace plexus::train {

/// One setting of a default recipe: its key and its value as a flag's text.
struct TaskDefault {
  std::string_view key, value;
};

/// The regression recipe of a table: a periodic embedding after a learned per-input scale, no
/// dropout, batches of 32, lr 0.003, weight decay 0.001.
const std::vector<TaskDefault>& regression_defaults();

/// Sets the task's defaults on a table's settings, each key not in `chosen` (the keys flags,
/// --config or a checkpoint gave); for classification, none. resolve_defaults calls it when the
/// task is given; the command calls it once the data has told an inferred task.
void resolve_task_defaults(TrainSettings& settings, const std::vector<std::string>& chosen,
                           data::Task task);

/// The task's defaults that `chosen` leaves, as flags: "--embedding periodic --feature-scale ...";
/// "" for classification or when every one was chosen.
std::string task_defaults_text(const std::vector<std::string>& chosen, data::Task task);

/// Which defaults the settings start from: "images" (fashion-mnist, an IDX folder), "arrays"
/// (.npy), else the table's task, "classification" or "regression".
std::string default_recipe(const TrainSettings& settings, data::Task task);

}  // namespace plexus::train
