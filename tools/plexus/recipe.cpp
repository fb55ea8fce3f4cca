// The command's settings as the library's options where the table does not say them: the task
// of an array source, and a loaded array source as data::Arrays.
#include "cli.hpp"

namespace plexus::cli {

std::optional<data::Task> task_of(const std::string& name) {
  if (name.empty()) return std::nullopt;
  return name == "regression" ? data::Task::regression : data::Task::classification;
}

data::Arrays arrays_of(const Source& source) {
  return {.name = source.name,
          .features = source.features,
          .labels = source.labels,
          .prescaled = source.prescaled,
          .class_names = source.class_names};
}

}  // namespace plexus::cli
