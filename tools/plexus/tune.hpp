// `plexus tune`: its flags, and the --json object and report of a finished search.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli.hpp"
#include "plexus/train/tune.hpp"

namespace plexus::cli {

struct TuneFlags {
  train::TrainSettings settings;  ///< the train flags given: the data and the base recipe
  std::string time_limit;         ///< "10m", "60s", "90" (seconds), "1h"
  size_t max_trials = 0;
  size_t folds = 0;
  std::string config;     ///< the search space, JSON
  std::string resume;     ///< a --checkpoint folder to continue
  std::string selection;  ///< "greedy" or "top-k"
  /// Refit at most this many fold models: what a time-limited run managed (its reproduce line).
  std::optional<size_t> max_refits;
  bool json = false, quiet = false;
  bool distributed = false;  ///< one process of an mpirun job: the trials are dealt to processes
};

/// What a finished search printed, as one JSON object (the --json line and the report's data).
json tune_json(const train::TuneResult& result, const data::PreparedData& data,
               const std::string& reproduce, const metrics::Scores* test);
/// --report: the leaderboard, the score of each trial against the time it finished, the best
/// configurations and the ensemble's members and weights.
void write_tune_report(const std::string& dir, const train::TuneResult& result,
                       const data::PreparedData& data, const json& summary);

}  // namespace plexus::cli
