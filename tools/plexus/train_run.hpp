// The parts of `plexus train` around the library's pipeline: what it prints about the data, the
// checkpoint record, the --json result, the model file's training record and the report.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli.hpp"
#include "plexus/train/calibration.hpp"
#include "plexus/train/callbacks.hpp"
#include "plexus/train/checkpoint.hpp"
#include "plexus/train/diagnostics.hpp"
#include "plexus/train/recipe.hpp"

namespace plexus::cli {

/// Prints the diagnostics table after each epoch's progress line.
struct DiagnosticsPrinter : train::Callback {
  const train::DiagnosticsCallback* source = nullptr;
  void on_epoch_end(size_t epoch, const train::EpochLog&) override;
};

/// What a checkpoint records about the run: its settings and what the data came to.
json run_record(const train::TrainSettings& settings, size_t data_rows,
                const data::PreparedData& data);
/// Checkpoints after every epoch (--checkpoint), on Ctrl-C, and resuming `checkpoint` (checked
/// against the data it was written for).
void set_checkpointing(train::FitOptions& fit, const train::TrainSettings& settings,
                       const TrainFlags& flags, const train::Checkpoint* checkpoint,
                       const json& saved_run, const json& run);

/// What train::calibrate fits after training, from --calibration, --threshold-for and
/// --cost-matrix; a threshold needs a binary classifier and held-out rows (UsageError).
train::CalibrationOptions calibration_options(const train::TrainSettings& settings,
                                              const data::PreparedData& data, bool held_out);

/// " on schedule coslog4 (what it does)" for the network line, "" without a schedule: the epoch
/// lines show each epoch's starting lr, which a cyclic schedule takes to 0.
std::string schedule_text(const std::string& schedule);

/// The `recipe:` line: the defaults of `task` and of the table's size (`training_rows`) that no
/// flag in `chosen` overrode; empty where the settings' own defaults hold.
std::string recipe_line(const train::TrainSettings& s, const std::vector<std::string>& chosen,
                        data::Task task, int64_t training_rows);

/// `text` as one shell word.
std::string shell_word(const std::string& text);

struct TrainOutcome {
  train::TrainedModel& trained;
  int processes = 1;
  /// Fitted on the held-out rows after training (train::calibrate); saved with the model.
  io::Calibration calibration;
  metrics::Scores scores;  ///< on the test rows, when there are some
  size_t test_rows = 0;    ///< the rows `scores` are of
};

/// The --json object (also the report's results).
json result_json(const train::TrainSettings& settings, const data::PreparedData& data,
                 const TrainOutcome& outcome);
/// --save: the network with its preprocessing and the run's record.
void save_trained(const train::TrainSettings& settings, const data::PreparedData& data,
                  const TrainOutcome& outcome, const std::string& test_note);
/// --report: curves, scores, the decision regions of two numeric features (the test rows of
/// `test_table`), diagnostics.
void write_train_report(const train::TrainSettings& settings, const data::PreparedData& data,
                        const TrainOutcome& outcome, const json& result,
                        const std::vector<std::pair<std::string, std::string>>& columns,
                        const data::Table* test_table,
                        std::vector<std::vector<train::LayerDiagnostics>> diagnostics);

}  // namespace plexus::cli
