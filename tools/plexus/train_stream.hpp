// `plexus train` on data streamed from files (data/streaming.hpp): the decision to stream
// (--stream, --no-stream, --memory) and the run itself.
#pragma once

#include <optional>
#include <vector>

#include "cli.hpp"
#include "plexus/data/stream_plan.hpp"
#include "plexus/train/checkpoint.hpp"

namespace plexus::cli {

/// Whether --data streams under the run's --memory budget, and why.
data::StreamPlan streaming_plan(const train::TrainSettings& settings);

/// Trains, scores and saves as plexus train does, reading --data in chunks.
/// A table's inferred task gets its defaults (train::resolve_task_defaults) once the fitting pass
/// has told it, as in memory; `chosen` are the settings a flag gave.
int train_streaming(train::TrainSettings settings, const std::vector<std::string>& chosen,
                    const TrainFlags& flags, const train::Checkpoint* checkpoint,
                    const json& saved_run, const data::StreamPlan& plan);

}  // namespace plexus::cli
