// The defaults of plexus train that depend on the task: a regression table gets the regression
// recipe (train::default_recipe), a classification table the settings' own defaults. Flags,
// --config and a checkpoint always win over them:
//
//   px::train::TrainSettings s;  // --data houses.csv, the task inferred as regression
//   px::train::resolve_task_defaults(s, {"lr"}, px::data::Task::regression);  // --lr stays
#pragma once

#include <string>
#include <vector>

#include "plexus/data/prepare.hpp"
#include "plexus/data/tabular.hpp"
#include "plexus/train/settings.hpp"

namespace plexus::train {

/// Sets the task's defaults on a table's settings, each key not in `chosen` (the keys flags,
/// --config or a checkpoint gave); for classification, none. resolve_defaults calls it when the
/// task is given; the command calls it once the data has told an inferred task.
void resolve_task_defaults(TrainSettings& settings, const std::vector<std::string>& chosen,
                           data::Task task);

/// The task's defaults that `chosen` leaves, as flags with their values in `settings`:
/// "--embedding periodic --feature-scale ..."; "" for classification or when every one was chosen.
std::string task_defaults_text(const TrainSettings& settings,
                               const std::vector<std::string>& chosen, data::Task task);

/// Drops the regression default's periodic embedding (unless `chosen`) from a table with more
/// than kMostEmbeddedInputs numeric inputs, which it cannot take; returns whether it did. The
/// command calls it once the data is prepared.
bool resolve_width_defaults(TrainSettings& settings, const std::vector<std::string>& chosen,
                            const data::PreparedData& data);

/// Sets the defaults that depend on the table's size, unless `chosen`: a classification table
/// with fewer than kSmallTableRows training rows trains in batches of 64, for up to 200 epochs
/// with a patience of 30 (train::default_recipe; 100 epochs where `--early-stopping` was
/// chosen). The command calls it once the data is split.
void resolve_size_defaults(TrainSettings& settings, const std::vector<std::string>& chosen,
                           data::Task task, int64_t training_rows);

/// The size's defaults that `chosen` leaves, as flags: "--batch-size 64 --epochs 200
/// --early-stopping 30", or "".
std::string size_defaults_text(const TrainSettings& settings,
                               const std::vector<std::string>& chosen, data::Task task,
                               int64_t training_rows);

/// Which defaults the settings start from: "images" (fashion-mnist, an IDX folder), "arrays"
/// (.npy), else the table's task, "classification" or "regression".
std::string default_recipe_name(const TrainSettings& settings, data::Task task);

}  // namespace plexus::train
