// Shared declarations of the plexus command: settings, data sources, the recipe, reports, output.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "plexus/data/csv.hpp"
#include "plexus/data/prepare.hpp"
#include "plexus/data/source.hpp"
#include "plexus/data/tabular.hpp"
#include "plexus/io/model_file.hpp"
#include "plexus/nn/sequential.hpp"
#include "plexus/tensor/tensor.hpp"
#include "plexus/train/checkpoint.hpp"
#include "plexus/train/diagnostics.hpp"
#include "plexus/train/history.hpp"
#include "plexus/train/metrics.hpp"
#include "plexus/train/recipe.hpp"
#include "plexus/train/report.hpp"

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

/// Set by the SIGINT handler; training stops at the next batch and the command exits 130.
extern std::atomic<bool> g_interrupted;

// ---- settings (config.cpp) ---------------------------------------------------------------------

/// Everything `plexus train` can be told, by flags or by --config.
struct Settings {
  // data
  std::string data, labels, test, test_labels;
  std::string target;
  std::vector<std::string> features, ignore, categorical;
  std::string impute = "none";
  std::optional<bool> header;
  std::string delimiter;
  std::string task;  // "" = inferred
  // network
  std::vector<int64_t> hidden = {256, 128};
  std::string activation = "relu";
  double dropout = 0.1;
  bool batch_norm = false;
  std::string loss;  // "" = cross_entropy (classification) or mse (regression)
  // training
  std::string optimizer = "adam";
  double lr = 1e-3;
  /// Unset: the default for the data, 1e-4 for tables (CSV), 0 for arrays (images, .npy).
  std::optional<double> weight_decay;
  std::string schedule = "none";
  double clip_grad = 0.0;
  int64_t batch_size = 128;
  int64_t epochs = 100;
  int64_t early_stopping = 10;
  double validation_split = 0.1;
  uint64_t seed = 0;
  int threads = 0;  // 0 = the library's default
  // outputs
  std::string save, report;
  std::string checkpoint;  ///< folder of the checkpoint written after every epoch
};

/// The default weight decay of tabular (CSV) data; arrays (images, .npy) get 0.
inline constexpr double kTabularWeightDecay = 1e-4;
/// Fills the settings whose defaults depend on the data (weight_decay); needs `data`.
void resolve_defaults(Settings& settings);

/// The settings as the JSON object --config reads and --dump-config prints.
json settings_to_json(const Settings& settings);
/// Applies the keys of `config` onto `settings`; unknown keys and bad values are UsageErrors.
void apply_config(const json& config, Settings& settings, const std::string& source);
/// Reads a JSON file (UsageError if it does not parse).
json read_json_file(const std::string& path);
/// Checks names against the registries and ranges; throws UsageError saying what is allowed.
void validate_settings(const Settings& settings);
/// "a,b,c" -> {"a", "b", "c"} (empty items dropped).
std::vector<std::string> split_list(const std::string& text);
std::vector<int64_t> parse_hidden(const std::string& text);
std::vector<std::string> activation_names();
std::vector<std::string> optimizer_names();
std::vector<std::string> schedule_names();

struct TrainFlags;
/// The settings of a train run: --resume's checkpoint (read into *checkpoint, its record into
/// *saved_run), then --config, then the flags given; defaults resolved and validated.
Settings resolve_settings(const TrainFlags& flags, const std::vector<std::string>& given,
                          std::optional<train::Checkpoint>& checkpoint, json& saved_run);

// ---- data sources (data_source.cpp) -----------------------------------------------------------

/// --header / --no-header and --delimiter ("," ";" "\\t" or "tab"; "" = detected) as CSV options.
data::CsvOptions csv_options(std::optional<bool> header, const std::string& delimiter);
/// data::load_source, once --data is known to be given (a UsageError otherwise).
data::Source load_data(const std::string& spec, const data::SourceOptions& options);

// ---- the settings as library options (recipe.cpp) -------------------------------------------

/// --task: unset for "" (inferred).
std::optional<data::Task> task_of(const std::string& name);
data::TabularOptions tabular_options(const Settings& settings);
train::Recipe recipe_of(const Settings& settings);
using train::parameter_count;

// ---- scores (evaluate.cpp) ---------------------------------------------------------------------

/// test_* keys (and classes, confusion_matrix, per_class) for --json.
void add_scores(json& out, const metrics::Scores& scores, const std::vector<std::string>& classes,
                bool with_confusion);
/// Human-readable scores (per-class table and confusion matrix with details).
std::string format_scores(const metrics::Scores& scores, const std::vector<std::string>& classes,
                          bool details);

// ---- output (output.cpp) -----------------------------------------------------------------------

/// A number with 9 significant digits.
std::string format_value(double value);
/// A CSV field, quoted when it needs to be.
std::string csv_field(std::string_view text);
/// Prints one line to stderr: "plexus: warning: ...".
void warn(const std::string& message);
/// Prints one JSON object on one line (the last line of a --json run).
void print_json_line(const json& object);
/// Whether progress and human output should go out.
struct Output {
  bool quiet = false;
  bool json = false;
};

// ---- subcommands -------------------------------------------------------------------------------

struct EvalArgs {
  std::string model, data, labels, target;
  std::optional<bool> header;
  std::string delimiter;
  bool json = false;
};
struct PredictArgs {
  std::string model, data, labels, output, id;
  std::optional<bool> header;
  std::string delimiter;
  bool proba = false;
};
struct InspectArgs {
  std::string model;
  bool json = false;
};
struct ExportArgs {
  std::string model, format, output, name;
  bool logits = false;
};
struct ServeArgs {
  std::string model;
  std::string host = "127.0.0.1";
  int port = 8080;
  int threads = 0;             ///< request threads; 0 = max(16, cores)
  int64_t max_body = 1 << 20;  ///< bytes
};
struct TrainFlags {
  Settings settings;
  std::string config;
  std::string resume;  ///< a checkpoint folder to continue
  bool dump_config = false, json = false, quiet = false;
  bool diagnostics = false;       ///< a per-layer table each epoch, and its plots in the report
  bool distributed = false;       ///< one process of an mpirun job (data-parallel training)
  bool local_batch_norm = false;  ///< with distributed: batch statistics per process
};

int run_train(TrainFlags flags, const std::vector<std::string>& given);
int run_evaluate(const EvalArgs& args);
int run_predict(const PredictArgs& args);
int run_inspect(const InspectArgs& args);
int run_export(const ExportArgs& args);
int run_serve(const ServeArgs& args);

/// What `plexus inspect --json` prints for `model`, read from `path`.
json model_json(const io::Model& model, const std::string& path);

}  // namespace plexus::cli
