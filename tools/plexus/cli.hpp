// Shared declarations of the plexus command: settings, data sources, the recipe, reports, output.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "plexus/base/text.hpp"
#include "plexus/data/prepare.hpp"
#include "plexus/data/source.hpp"
#include "plexus/io/model_file.hpp"
#include "plexus/nn/sequential.hpp"
#include "plexus/tensor/tensor.hpp"
#include "plexus/train/checkpoint.hpp"
#include "plexus/train/diagnostics.hpp"
#include "plexus/train/history.hpp"
#include "plexus/train/metrics.hpp"
#include "plexus/train/recipe.hpp"
#include "plexus/train/report.hpp"
#include "plexus/train/settings.hpp"

namespace plexus::cli {

using nlohmann::json;

/// Exit codes, the same for every subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitInterrupted = 130;

/// Bad usage found after parsing (a bad value of a flag or of a config key): exit code 2.
class UsageError : public std::runtime_error {
 public:
  explicit UsageError(const std::string& message) : std::runtime_error(message) {}
};

/// Whether `error` is bad usage (exit code 2): a UsageError or a bad setting.
inline bool is_usage_error(const std::exception& error) {
  return dynamic_cast<const UsageError*>(&error) ||
         dynamic_cast<const train::SettingsError*>(&error);
}

/// Set by the SIGINT handler; training stops at the next batch and the command exits 130.
extern std::atomic<bool> g_interrupted;

// ---- settings (the table: plexus/train/settings.hpp; --resume and --config: config.cpp) ------

using train::split_list;
/// The settings as the JSON object --config reads and --dump-config prints.
inline json settings_to_json(const train::TrainSettings& settings) {
  return json::parse(train::to_json(settings));
}

struct TrainFlags;
/// The settings of a train run: --resume's checkpoint (read into *checkpoint, its record into
/// *saved_run), then --config, then the flags given; defaults resolved and validated. *chosen:
/// the keys those gave, which an inferred task's defaults leave alone.
train::TrainSettings resolve_settings(const TrainFlags& flags,
                                      const std::vector<std::string>& given,
                                      std::optional<train::Checkpoint>& checkpoint, json& saved_run,
                                      std::vector<std::string>& chosen);

// ---- data sources (data_source.cpp) -----------------------------------------------------------

/// --header / --no-header and --delimiter ("," ";" "\\t" or "tab"; "" = detected) as CSV options.
data::CsvOptions csv_options(std::optional<bool> header, const std::string& delimiter);
/// data::load_source, once --data is known to be given (a UsageError otherwise).
data::Source load_data(const std::string& spec, const data::SourceOptions& options);

// ---- output (output.cpp) -----------------------------------------------------------------------

/// A CSV field, quoted when it needs to be.
std::string csv_field(std::string_view text);
/// Prints one line to stderr: "plexus: warning: ...".
void warn(const std::string& message);
/// Prints one JSON object on one line (the last line of a --json run).
void print_json_line(const json& object);

// ---- data (train.cpp) --------------------------------------------------------------------------

/// The sources a run reads and what they came to.
struct Loaded {
  data::Source data;
  std::optional<data::Source> test;
  std::string test_note;
  data::PreparedData prepared;
};

/// Loads --data (and --test, or an IDX folder's own test split) and prepares them as the
/// settings say (train::prepare_options); train and tune read their data through it. In a
/// distributed job every process reads the data itself: a failure on any process fails all (rank
/// 0 naming it), and every process must hold the same training rows.
void load_and_prepare(const train::TrainSettings& settings, bool distributed, Loaded& loaded);

// ---- subcommands -------------------------------------------------------------------------------

struct TrainFlags {
  train::TrainSettings settings;  ///< the flags given (the others at their defaults)
  std::string config;
  std::string resume;  ///< a checkpoint folder to continue
  bool dump_config = false, json = false, quiet = false;
  bool diagnostics = false;       ///< a per-layer table each epoch, and its plots in the report
  bool distributed = false;       ///< one process of an mpirun job (data-parallel training)
  bool local_batch_norm = false;  ///< with distributed: batch statistics per process
};

int run_train(TrainFlags flags, const std::vector<std::string>& given);

/// Runs a command's `body`: directly, or as one process of an mpirun job (distributed): MPI
/// joined before and left after, only rank 0 printing, an error every process met (JobError)
/// reported once by rank 0, and an error of one process ending the whole job (the others would
/// wait for it forever).
int run_as_job(bool distributed, const std::function<int()>& body);

}  // namespace plexus::cli
