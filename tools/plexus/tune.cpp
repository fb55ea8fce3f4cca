// `plexus tune`: read the settings (the train flags: the data and the base recipe), prepare the
// data without validation rows, run the library's search (train::Tuner), print the leaderboard as
// it goes, save the ensemble, score the test rows for display, report.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "commands.hpp"
#include "plexus/base/atomic_file.hpp"
#include "plexus/cpu/threads.hpp"
#include "plexus/distributed/distributed.hpp"
#include "plexus/tensor/random.hpp"
#include "plexus/train/recipe_defaults.hpp"
#include "settings_flags.hpp"
#include "train_run.hpp"
#include "tune.hpp"

namespace plexus::cli {
namespace {

using Clock = std::chrono::steady_clock;

/// "10m", "60s", "90" (seconds), "1.5h" in seconds.
double parse_time_limit(const std::string& text) {
  size_t used = 0;
  double value = -1;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
  }
  const std::string unit = text.substr(used);
  const double scale = unit.empty() || unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : 0;
  if (!(value > 0) || scale == 0)
    throw UsageError("--time-limit \"" + text + "\": give seconds, or a number with s, m or h " +
                     "(90, 60s, 10m, 1h)");
  return value * scale;
}

/// A count's flag takes digits only: "-1" is an error, not 18446744073709551615.
CLI::Validator count_flag() {
  return CLI::Validator(
      [](std::string& text) {
        return !text.empty() && text.find_first_not_of("0123456789") == std::string::npos
                   ? std::string()
                   : "\"" + text + "\" is not a count (0, 1, 2, ...)";
      },
      "COUNT");
}

std::string read_text(const std::string& path, const std::string& flag) {
  std::ifstream in(path);
  if (!in) throw UsageError(flag + ": cannot open \"" + path + "\"");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// The flags of `settings` that `keys` name, as shell words: the reproducing command's.
std::string flags_text(const train::TrainSettings& settings, const std::vector<std::string>& keys) {
  const json values = settings_to_json(settings);
  std::string out;
  for (const auto& key : keys) {
    if (key == "checkpoint" || key == "report" || key == "seed") continue;
    const json& value = values[key];
    const std::string flag = train::find_setting(key).flag();
    if (value.is_boolean()) {
      out += " " + (value.get<bool>() ? flag : "--no-" + flag.substr(2));
      continue;
    }
    std::string text;
    if (value.is_array()) {
      for (const auto& item : value)
        text +=
            (text.empty() ? "" : ",") + (item.is_string() ? item.get<std::string>() : item.dump());
    } else {
      text = value.is_string() ? value.get<std::string>() : value.dump();
    }
    out += " " + flag + " " + shell_word(text);
  }
  return out;
}

std::string score_text(double score) {
  std::ostringstream out;
  out << std::setprecision(4) << score;
  return out.str();
}

int run_tune(TuneFlags flags, std::vector<std::string> given) {
  const Clock::time_point start = Clock::now();
  for (const char* key : {"ensemble", "validation_split"})
    if (std::find(given.begin(), given.end(), key) != given.end())
      throw UsageError(train::find_setting(key).flag() +
                       " is train's: tune validates on --folds and chooses its own ensemble");
  train::TrainSettings s;
  json saved = json::object();
  if (!flags.resume.empty()) {
    // The search's settings as the first run recorded them; the flags may add outputs and limits.
    const std::filesystem::path record = std::filesystem::path(flags.resume) / "tune.json";
    saved = json::parse(read_text(record.string(), "--resume"), nullptr, false);
    if (!saved.is_object() || !saved.contains("settings"))
      throw Error("--resume " + flags.resume + ": no plexus tune search there (" + record.string() +
                  ")");
    train::apply_json(s, saved["settings"].dump(), record.string());
    std::vector<std::string> chosen = saved.value("given", std::vector<std::string>{});
    const json from_flags = settings_to_json(flags.settings);
    json overrides = json::object();
    for (const auto& key : given) overrides[key] = from_flags[key];
    train::apply_json(s, overrides.dump(), "command line");
    // The first run's flags first, so that the reproducing command reads the same.
    for (const auto& key : given)
      if (std::find(chosen.begin(), chosen.end(), key) == chosen.end()) chosen.push_back(key);
    given = chosen;
    s.checkpoint = flags.resume;
    if (flags.folds == 0) flags.folds = saved.value("folds", size_t{0});
    if (flags.config.empty()) flags.config = saved.value("config", std::string());
    if (flags.selection.empty()) flags.selection = saved.value("selection", std::string());
    if (flags.max_trials == 0 && flags.time_limit.empty()) {
      flags.max_trials = saved.value("max_trials", size_t{0});
      flags.time_limit = saved.value("time_limit", std::string());
    }
  } else {
    train::apply_json(
        s,
        [&] {
          const json from_flags = settings_to_json(flags.settings);
          json overrides = json::object();
          for (const auto& key : given) overrides[key] = from_flags[key];
          return overrides.dump();
        }(),
        "command line");
  }
  if (s.data.empty()) throw UsageError("--data is required (see plexus tune --help)");
  if (flags.time_limit.empty() && flags.max_trials == 0)
    throw UsageError("give --time-limit (10m, 60s, 90) or --max-trials N, or both");
  train::TuneOptions options{.folds = flags.folds, .max_trials = flags.max_trials, .start = start};
  // auto: tune's own default (bagging), not train's.
  options.fit = train::given_ensemble_fit(s);
  options.max_refits = flags.max_refits;
  if (flags.max_refits && options.fit != train::EnsembleFit::refit)
    throw UsageError("--max-refits counts refits: give it with --ensemble-fit refit");
  if (!flags.time_limit.empty()) options.time_limit = parse_time_limit(flags.time_limit);
  if (!flags.config.empty())
    options.space =
        train::search_space_from_json(read_text(flags.config, "--config"), flags.config);
  if (flags.selection == "top-k")
    options.selection = train::EnsembleSelection::top_k;
  else if (!flags.selection.empty() && flags.selection != "greedy")
    throw UsageError("--selection \"" + flags.selection + "\": greedy or top-k");
  train::resolve_defaults(s, given);
  train::validate(s);
  if (!s.quantiles.empty())
    throw UsageError(
        "--quantiles: plexus tune scores one value per row; train quantiles with "
        "plexus train --quantiles");
  // The trials validate on folds of the training rows.
  s.validation_split = 0;
  if (s.threads > 0) set_num_threads(s.threads);
  manual_seed(s.seed);
  std::ostream& out = std::cout;

  Loaded loaded;
  load_and_prepare(s, flags.distributed, loaded);
  const bool lead = distributed::rank() == 0;
  const data::PreparedData& p = loaded.prepared;
  // An inferred task's defaults, as plexus train takes them (a given task's are resolved).
  if (s.task.empty() && loaded.data.is_table()) train::resolve_task_defaults(s, given, p.task);
  if (loaded.data.is_table()) {
    train::resolve_size_defaults(s, given, p.task, p.x_train.shape(0));
    train::resolve_width_defaults(s, given, p);
  }
  const train::Recipe base = train::recipe_of(s);
  train::check_trainable(base, p, s.data);
  options.seed = s.seed;
  options.interrupt = &g_interrupted;
  options.distributed = flags.distributed;
  if (!s.checkpoint.empty() && lead) {
    options.checkpoint_dir = s.checkpoint;
    options.resume = !flags.resume.empty();
    json record = {{"settings", settings_to_json(s)},
                   {"given", given},
                   {"folds", flags.folds},
                   {"max_trials", flags.max_trials},
                   {"time_limit", flags.time_limit},
                   {"selection", flags.selection}};
    // The search space itself, so that the folder resumes without the file.
    if (!flags.config.empty()) {
      const std::filesystem::path copy = std::filesystem::path(s.checkpoint) / "space.json";
      if (std::filesystem::absolute(flags.config) != std::filesystem::absolute(copy)) {
        std::filesystem::create_directories(s.checkpoint);
        write_file_atomically(copy, read_text(flags.config, "--config"));
      }
      record["config"] = copy.string();
    }
    std::filesystem::create_directories(s.checkpoint);
    write_file_atomically(std::filesystem::path(s.checkpoint) / "tune.json", record.dump(2) + "\n");
  }

  const auto rows = static_cast<size_t>(p.x_train.shape(0));
  const size_t folds = options.folds ? options.folds : train::default_folds(rows);
  out << "data: " << loaded.data.name << " (" << loaded.data.rows() << " rows), "
      << (p.classification() ? "classification, " + std::to_string(p.classes.size()) + " classes"
                             : std::string("regression"))
      << "\n"
      << loaded.test_note << "\n"
      << "validation: "
      << (folds > 1 ? std::to_string(folds) + "-fold cross-validation" : std::string("a holdout"))
      << " of the " << rows << " training rows" << (p.stratified ? " (stratified)" : "")
      << "; scores are out of fold (" << (p.classification() ? "log loss" : "RMSE")
      << ", lower is better)\n"
      << "search: successive halving, " << options.rungs << " rungs (epochs up to " << base.epochs
      << "), keeping 1/" << options.eta << "; "
      << (options.time_limit ? "time limit " + score_text(*options.time_limit) + " s" : "")
      << (options.time_limit && options.max_trials ? ", " : "")
      << (options.max_trials ? "at most " + std::to_string(options.max_trials) + " trials" : "")
      << ", seed " << s.seed << "\n";
  if (flags.distributed)
    out << "distributed: " << distributed::world_size()
        << " processes, each training every one of that many trials\n";
  if (!s.checkpoint.empty()) out << "checkpoint: " << s.checkpoint << " (after every trial)\n";
  if (!flags.quiet)
    out << "\ntrial rung epochs "
        << (p.classification() ? "log_loss accuracy" : "    rmse       r2")
        << "   time  configuration\n";
  out << std::flush;
  options.on_trial = [&](const train::TrialRecord& r, bool resumed) {
    if (flags.quiet) return;
    char line[96];
    std::snprintf(line, sizeof line, "%5zu %4zu %6lld %8.4f %8.4f %5.1fs  ", r.trial + 1, r.rung,
                  static_cast<long long>(r.recipe.epochs), r.score, r.metric, r.seconds);
    out << line << train::describe_recipe(r.recipe) << (resumed ? " (resumed)" : "") << "\n"
        << std::flush;
  };

  options.on_refit = [&](const train::TrialRecord& r) {
    if (flags.quiet) return;
    out << "refit: trial " << r.trial + 1 << "'s " << r.best_epochs.size()
        << (r.best_epochs.size() == 1 ? " network" : " networks") << " on all " << rows
        << " training rows\n"
        << std::flush;
  };

  // Checked before the search: a threshold needs a binary classifier.
  const train::CalibrationOptions calibrating = calibration_options(s, p, true);
  train::Tuner tuner(p, base, options);
  train::TuneResult result;
  try {
    result = tuner.run();
  } catch (const train::TuneInterrupted& e) {
    if (!lead) return kExitInterrupted;
    std::cerr << "\nplexus: interrupted after " << e.trials << " finished trials\n";
    if (s.checkpoint.empty())
      std::cerr << "plexus: nothing saved (--checkpoint DIR keeps the finished trials)\n";
    else
      std::cerr << "plexus: to continue: plexus tune --resume " << shell_word(s.checkpoint) << "\n";
    return kExitInterrupted;
  }
  const std::string reproduce =
      "plexus tune" + flags_text(s, given) +
      (flags.folds ? " --folds " + std::to_string(flags.folds) : "") +
      (flags.config.empty() ? "" : " --config " + shell_word(flags.config)) +
      (flags.selection.empty() ? "" : " --selection " + flags.selection) + " --max-trials " +
      std::to_string(result.trials.size()) +
      (result.refits_cut_short ? " --max-refits " + std::to_string(result.refits) : "") +
      " --seed " + std::to_string(s.seed);
  // Calibrated on the held-out rows the search scored: the ensemble's out-of-fold outputs.
  train::CalibrationResult calibration;
  if (!result.partial)
    calibration =
        train::calibrate(result.held_out_outputs, result.held_out_targets, p.task, calibrating);
  if (!s.save.empty() && lead) {
    io::ModelInfo info = train::model_info(p);
    info.calibration = calibration.calibration;
    info.training = json({{"command", "tune"},
                          {"trials", result.trials.size()},
                          {"folds", result.folds},
                          {"out_of_fold_score", result.score},
                          {"reproduce", reproduce}})
                        .dump();
    io::save_model(result.network, s.save, info);
  }
  metrics::Scores test;
  if (p.has_test())
    test = metrics::evaluate(io::forward_in_batches(result.network, p.x_test), p.y_test, p.task,
                             calibration.calibration);
  const json summary = tune_json(result, p, reproduce, p.has_test() ? &test : nullptr);
  if (!s.report.empty() && lead) write_tune_report(s.report, result, p, summary);

  out << "\nensemble: ";
  if (result.partial) {
    out << "no trial finished in the time limit; the cut-off trial's fold models as they were\n";
  } else {
    for (size_t i = 0; i < result.members.size(); ++i)
      out << (i ? ", " : "") << "trial " << result.members[i].trial + 1 << " x"
          << result.members[i].weight;
    const size_t networks = result.members.size() * result.folds;
    out << " (" << networks << " networks: their fold models";
    if (options.fit == train::EnsembleFit::refit)
      out << ", "
          << (result.refits == networks ? "each" : std::to_string(result.refits) + " of them")
          << " refit on every training row for the epochs its fold chose"
          << (!result.refits_cut_short ? ""
              : flags.max_refits       ? "; --max-refits left the others as they were"
                                       : "; the time limit left the others as they were");
    out << ")\n"
        << "out of fold: " << (p.classification() ? "log loss " : "RMSE ")
        << score_text(result.score) << (p.classification() ? ", accuracy " : ", R2 ")
        << score_text(result.metric) << "\n";
  }
  out << calibration.text();
  if (p.has_test())
    out << "test (" << p.x_test.shape(0) << " rows, not used by the search):\n"
        << metrics::scores_text(test, p.classes, false) << metrics::calibration_text(test);
  out << "trials: " << result.trials.size()
      << (result.time_limit_reached ? " (the time limit ended the search)" : "") << "\n"
      << "to repeat it: " << reproduce << "\n"
      << "time: " << std::fixed << std::setprecision(1) << result.seconds << " s\n"
      << std::defaultfloat
      << "model: " << (s.save.empty() ? std::string("not saved (use --save model.plx)") : s.save)
      << "\n";
  if (!s.report.empty()) out << "report: " << s.report << "/index.html\n";
  if (flags.json) print_json_line(summary);
  return kExitOk;
}

}  // namespace

Command add_tune_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "tune",
      "search the recipe's settings by cross-validation within a time limit, save the "
      "best ensemble");
  auto flags = std::make_shared<TuneFlags>();
  auto settings = std::make_shared<SettingFlags>(*cmd);
  cmd->add_option("--time-limit", flags->time_limit,
                  "end with the model saved within this time: 90 (seconds), 60s, 10m, 1h");
  cmd->add_option("--max-trials", flags->max_trials,
                  "run this many trials (with --seed: the same leaderboard and model every time)")
      ->check(count_flag());
  cmd->add_option("--folds", flags->folds,
                  "cross-validation folds of the training rows; 1: a holdout of a fifth (default: "
                  "5 below 20,000 rows, 3 below 100,000, else 1)")
      ->check(count_flag());
  cmd->add_option("--config", flags->config,
                  "the search space, a JSON file (see docs/TUNE.md; default: the built-in one)");
  cmd->add_option("--resume", flags->resume,
                  "continue the search whose --checkpoint is this folder");
  cmd->add_option("--selection", flags->selection,
                  "the ensemble: greedy (forward selection with replacement, default) or top-k "
                  "(the 5 best trials)");
  cmd->add_option("--max-refits", flags->max_refits,
                  "refit at most this many of the ensemble's networks on every training row "
                  "(with --ensemble-fit refit): what a time-limited run's "
                  "\"to repeat it\" line gives")
      ->check(count_flag());
  cmd->add_flag("--json", flags->json, "print the results as one JSON object on the last line");
  cmd->add_flag("--quiet", flags->quiet, "no leaderboard while it runs");
  cmd->add_flag("--distributed", flags->distributed,
                "one process of an mpirun job: the trials are dealt to the processes (each with "
                "--threads of its own), the same leaderboard and model as one process");
  cmd->footer(
      "Examples:\n"
      "  plexus tune --data houses.csv --target price --time-limit 10m --save houses.plx\n"
      "  plexus tune --data iris.csv --max-trials 30 --seed 1 --save iris.plx --report iris-tune\n"
      "  plexus tune --data big.csv --time-limit 1h --checkpoint big.tune --save big.plx\n"
      "  plexus tune --resume big.tune --time-limit 30m   (after Ctrl-C: continue the search)\n"
      "  mpirun -np 2 plexus tune --data t.csv --distributed --threads 1 --time-limit 10m\n\n"
      "The train flags set the data and the base recipe: trial 1 is the recipe itself, the\n"
      "others draw from the search space; --epochs is the last rung's epochs. The ensemble's\n"
      "members are the chosen trials' fold models (auto and bagging, for either task); with\n"
      "--ensemble-fit refit they train again on every training row.");
  return {cmd, [flags, settings] {
            const std::vector<std::string> given = settings->apply(flags->settings);
            return run_as_job(flags->distributed, [&] { return run_tune(*flags, given); });
          }};
}

}  // namespace plexus::cli
