// What `plexus train` prints, records and reports around the library's pipeline.
#include "train_run.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <iostream>
#include <string_view>

#include "plexus/base/text.hpp"
#include "plexus/io/model_file.hpp"
#include "plexus/optim/registry.hpp"
#include "plexus/train/recipe_defaults.hpp"

namespace plexus::cli {
namespace {

std::string now_iso() {
  std::time_t t = std::time(nullptr);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buffer;
}

/// The folder of a --resume argument (a checkpoint folder, or the checkpoint file in it).
std::filesystem::path resume_folder(const std::string& arg) {
  std::error_code ec;
  if (std::filesystem::is_directory(arg, ec)) return arg;
  const std::filesystem::path parent = std::filesystem::path(arg).parent_path();
  return parent.empty() ? std::filesystem::path(".") : parent;
}

}  // namespace

void DiagnosticsPrinter::on_epoch_end(size_t epoch, const train::EpochLog&) {
  std::cout << "diagnostics, epoch " << epoch + 1 << ":\n"
            << train::DiagnosticsCallback::table(source->epochs().back()) << std::flush;
}

json run_record(const train::TrainSettings& settings, size_t data_rows,
                const data::PreparedData& data) {
  json run;
  run["settings"] = settings_to_json(settings);
  run["data_rows"] = data_rows;
  run["training_rows"] = data.x_train.shape(0);
  run["inputs"] = data.x_train.shape(1);
  run["outputs"] = data.classification() ? data.classes.size() : 1;
  run["plexus_version"] = PLEXUS_CLI_VERSION;
  return run;
}

void set_checkpointing(train::FitOptions& fit, const train::TrainSettings& s,
                       const TrainFlags& flags, const train::Checkpoint* checkpoint,
                       const json& saved_run, const json& run) {
  namespace fs = std::filesystem;
  if (checkpoint) {
    for (const char* key : {"data_rows", "training_rows", "inputs", "outputs"})
      if (saved_run.contains(key) && saved_run[key] != run[key])
        throw Error("--resume " + flags.resume + ": the data changed since the checkpoint (" + key +
                    ": " + saved_run[key].dump() + " then, " + run[key].dump() +
                    " now); resume with the data it was trained on");
    const json then = saved_run["settings"].value("epochs", json(nullptr));
    const bool planned = s.schedule == "none" || s.schedule == "exponential" ||
                         s.schedule == "plateau" || s.schedule == "step";
    if (!planned && then != json(s.epochs))
      warn("the " + s.schedule + " schedule was planned for " +
           (then.is_string() ? then.get<std::string>() : then.dump()) + " epochs and now runs to " +
           std::to_string(s.epochs) + "; the result differs from an uninterrupted run of " +
           std::to_string(s.epochs));
    fit.resume = checkpoint;
  }
  fit.checkpoint_config = run.dump();
  if (!s.checkpoint.empty()) fit.checkpoint_dir = s.checkpoint;
  fit.interrupt = &g_interrupted;
  fit.interrupt_checkpoint_dir = !s.checkpoint.empty() ? fs::path(s.checkpoint)
                                 : checkpoint          ? resume_folder(flags.resume)
                                 : !s.save.empty()     ? fs::path(s.save + ".checkpoint")
                                                       : fs::path("plexus-checkpoint");
}

std::string shell_word(const std::string& text) {
  const bool plain = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("_-./+,:=@").find(c) != std::string_view::npos;
  });
  if (plain) return text;
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

json result_json(const train::TrainSettings& s, const data::PreparedData& data,
                 const TrainOutcome& outcome) {
  json result;
  result["task"] = data.classification() ? "classification" : "regression";
  result["recipe"] = train::default_recipe_name(s, data.task);
  if (outcome.test_rows > 0)
    result.update(json::parse(metrics::scores_json(outcome.scores, data.classes, false)));
  result["train_seconds"] = outcome.trained.seconds;
  result["epochs_run"] = outcome.trained.history.epochs();
  result["best_epoch"] = outcome.trained.best_epoch + 1;
  result["samples_per_second"] = outcome.trained.samples_per_second;
  result["test_rows"] = outcome.test_rows;
  result["processes"] = outcome.processes;
  result["model"] = s.save.empty() ? json(nullptr) : json(s.save);
  if (data.classification()) {
    result["classes"] = data.classes;
    result["temperature"] = outcome.calibration.temperature;  // 1: none fitted, or not kept
  }
  return result;
}

void save_trained(const train::TrainSettings& s, const data::PreparedData& data,
                  const TrainOutcome& outcome, const std::string& test_note) {
  io::ModelInfo info = train::model_info(data);
  info.calibration = outcome.calibration;
  info.quantiles = train::quantile_levels(s.quantiles);
  json training;
  training["data"] = s.data;
  training["test"] = s.test.empty() ? json(test_note) : json(s.test);
  training["settings"] = settings_to_json(s);
  training["recipe"] = train::default_recipe_name(s, data.task);
  training["metrics"] = outcome.test_rows > 0
                            ? json::parse(metrics::scores_json(outcome.scores, data.classes, false))
                            : json::object();
  training["date"] = now_iso();
  training["epochs_run"] = outcome.trained.history.epochs();
  training["history"] = json::parse(train::history_to_json(outcome.trained.history));
  training["best_epoch"] = outcome.trained.best_epoch + 1;
  training["train_seconds"] = outcome.trained.seconds;
  training["plexus_version"] = PLEXUS_CLI_VERSION;
  if (!outcome.trained.class_weights.empty()) {
    json weights;
    for (size_t c = 0; c < data.classes.size(); ++c)
      weights[data.classes[c]] = outcome.trained.class_weights[c];
    training["class_weights"] = weights;
  }
  if (!data.weight_column.empty()) training["weight_column"] = data.weight_column;
  info.training = training.dump();
  io::save_model(outcome.trained.network, s.save, info);
}

void write_train_report(const train::TrainSettings& s, const data::PreparedData& data,
                        const TrainOutcome& outcome, const json& result,
                        const std::vector<std::pair<std::string, std::string>>& columns,
                        const data::Table* test_table,
                        std::vector<std::vector<train::LayerDiagnostics>> diagnostics) {
  train::ReportInput r;
  r.title = "plexus train: " + s.data;
  const json effective = settings_to_json(s);
  for (const auto& [key, value] : effective.items())
    r.settings.emplace_back(key, value.is_string() ? value.get<std::string>() : value.dump());
  r.columns = columns;
  for (const auto& [key, value] : result.items())
    if (key != "classes")
      r.metrics.emplace_back(key,
                             value.is_number() ? number_text(value.get<double>()) : value.dump());
  r.history = &outcome.trained.history;
  r.diagnostics = std::move(diagnostics);
  r.best_epoch = outcome.trained.best_epoch;
  r.scores = outcome.scores;
  r.classes = data.classes;
  if (test_table) train::add_decision_regions(r, data, outcome.trained.network, *test_table);
  train::write_report(s.report, r);
}

train::CalibrationOptions calibration_options(const train::TrainSettings& s,
                                              const data::PreparedData& p, bool held_out) {
  train::CalibrationOptions options{.temperature = s.calibration == "temperature"};
  if (s.threshold_for.empty() && s.cost_matrix.empty()) return options;
  if (!s.threshold_for.empty() && !s.cost_matrix.empty())
    throw UsageError("--threshold-for and --cost-matrix both choose the threshold; give one");
  const std::string flag = s.threshold_for.empty() ? "--cost-matrix" : "--threshold-for";
  if (!p.classification() || p.classes.size() != 2)
    throw UsageError(flag + ": a decision threshold needs a binary classifier");
  if (!held_out)
    throw UsageError(flag +
                     ": the threshold is chosen on the validation rows; "
                     "--validation-split 0 leaves none");
  try {
    options.threshold = s.threshold_for.empty() ? train::cost_rule(s.cost_matrix)
                                                : train::threshold_rule(s.threshold_for);
  } catch (const Error& e) {
    throw UsageError(e.what());
  }
  return options;
}

std::string schedule_text(const std::string& schedule) {
  for (const optim::ScheduleInfo& info : optim::schedules())
    if (info.name == schedule) return " on schedule " + info.name + " (" + info.description + ")";
  return "";
}

std::string recipe_line(const train::TrainSettings& s, const std::vector<std::string>& chosen,
                        data::Task task, int64_t training_rows) {
  const std::string defaults = train::task_defaults_text(s, chosen, task);
  // The one default a table's width changes (train::resolve_width_defaults).
  const bool too_wide = task == data::Task::regression && s.embedding == "none" &&
                        std::find(chosen.begin(), chosen.end(), "embedding") == chosen.end();
  if (!defaults.empty())
    return "recipe: the regression defaults " + defaults + " (a flag given wins" +
           (too_wide ? "; no periodic embedding past " +
                           std::to_string(train::kMostEmbeddedInputs) + " numeric inputs"
                     : "") +
           ")\n";
  const std::string small = train::size_defaults_text(s, chosen, task, training_rows);
  return small.empty()
             ? ""
             : "recipe: " + small + " (fewer than " + std::to_string(train::kSmallTableRows) +
                   " training rows; a flag given wins)\n";
}

}  // namespace plexus::cli
