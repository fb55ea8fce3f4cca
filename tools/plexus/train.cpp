// `plexus train`: resolve the settings, load the data, prepare it (data::prepare_table or
// prepare_arrays: test and validation rows held out before anything is fitted), train the recipe
// (train::train_model), score on the test rows, save, report, print.
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <new>
#include <optional>
#include <sstream>

#include "cli.hpp"
#include "plexus/base/text.hpp"
#include "plexus/cpu/threads.hpp"
#include "plexus/data/memory.hpp"
#include "plexus/distributed/distributed.hpp"
#include "plexus/error.hpp"
#include "plexus/tensor/random.hpp"
#include "plexus/train/calibration.hpp"
#include "plexus/train/checkpoint.hpp"
#include "plexus/train/conformal.hpp"
#include "plexus/train/diagnostics.hpp"
#include "plexus/train/ensemble.hpp"
#include "plexus/train/recipe.hpp"
#include "plexus/train/recipe_defaults.hpp"
#include "plexus/train/weighted_metrics.hpp"
#include "train_run.hpp"
#include "train_stream.hpp"

namespace plexus::cli {

namespace {

void load_and_prepare_here(const train::TrainSettings& s, Loaded& loaded) try {
  const data::SourceOptions options{
      .csv = csv_options(s.header, s.delimiter), .labels = s.labels, .train = true};
  data::Source& train_src = loaded.data;
  std::optional<data::Source>& test_src = loaded.test;
  std::string& test_note = loaded.test_note;
  train_src = load_data(s.data, options);
  if (!s.test.empty()) {
    data::SourceOptions test_options = options;
    test_options.labels = s.test_labels;
    test_options.train = false;
    test_src = load_data(s.test, test_options);
  }
  const data::PrepareOptions prepare = train::prepare_options(s);
  const std::optional<data::Task> task = train::tabular_options(s).task;
  data::PreparedData& p = loaded.prepared;
  if (train_src.is_table()) {
    if (test_src && !test_src->is_table())
      throw Error(test_src->name + ": --test must be a CSV like --data");
    p = data::prepare_table(*train_src.table, tabular_options(s), prepare,
                            test_src ? &*test_src->table : nullptr);
    for (const auto& w : p.warnings) warn(w);
  } else {
    if (!train_src.arrays.labels.defined())
      throw UsageError("--data " + train_src.name + ": give the targets with --labels FILE.npy");
    // An IDX folder (or fashion-mnist) has its own test split.
    bool own_split = false;
    if (!test_src && train_src.arrays.prescaled != 1.0f) {
      try {
        test_src = data::load_source(train_src.name, {.train = false});
        own_split = true;
      } catch (const Error&) {
      }
    }
    if (test_src && (test_src->is_table() || !test_src->arrays.labels.defined()))
      throw Error(test_src->name + ": the test set must be labelled arrays like --data");
    p = data::prepare_arrays(train_src.arrays, task, prepare,
                             test_src ? &test_src->arrays : nullptr);
    if (test_src)
      test_note = "test set: " + test_src->name + (own_split ? " (its test split, " : " (") +
                  std::to_string(p.test_rows.size()) + " rows)";
  }
  if (p.test_held_out)
    test_note = "test set: " + std::to_string(p.test_rows.size()) + " rows (20% of " +
                train_src.name + ", seeded" + (p.stratified ? ", stratified" : "") +
                (train_src.is_table() ? ", held out before fitting anything)" : ")");
  else if (test_note.empty())
    test_note =
        "test set: " + test_src->name + " (" + std::to_string(p.test_rows.size()) + " rows)";
} catch (const std::bad_alloc&) {
  // Holding the rows, their features and their parts takes several times the file.
  data::throw_out_of_memory(s.data, s.labels);
}

}  // namespace

void load_and_prepare(const train::TrainSettings& s, bool distributed, Loaded& loaded) {
  if (!distributed) return load_and_prepare_here(s, loaded);
  std::optional<std::string> read_error;
  try {
    load_and_prepare_here(s, loaded);
  } catch (const std::exception& e) {
    read_error = e.what();
  }
  distributed::agree_on_errors(read_error, "reading the data");
  const Tensor training[] = {loaded.prepared.x_train, loaded.prepared.y_train};
  distributed::check_same_data(training, "give every process the same --data");
}

namespace {

namespace fs = std::filesystem;

/// Prints an interrupted run's checkpoint and how to continue it.
int report_interrupt(const train::Interrupted& e) {
  std::cerr << "\nplexus: interrupted in epoch " << e.epoch + 1 << " after " << e.step
            << " steps\n";
  if (e.checkpoint.empty()) {
    std::cerr << "plexus: nothing saved\n";
  } else {
    std::cerr << "plexus: the checkpoint in " << e.checkpoint.string() << " holds " << e.epoch
              << " finished epochs\n"
              << "plexus: to continue: plexus train --resume " << shell_word(e.checkpoint.string())
              << "\n";
  }
  return kExitInterrupted;
}

int train_process(const TrainFlags& flags, const std::vector<std::string>& given) {
  std::optional<train::Checkpoint> checkpoint;
  json saved_run;
  std::vector<std::string> chosen;
  train::TrainSettings s = resolve_settings(flags, given, checkpoint, saved_run, chosen);
  if (flags.dump_config) {
    std::cout << settings_to_json(s).dump(2) << "\n";
    return kExitOk;
  }
  if (s.data.empty()) throw UsageError("--data is required (see plexus train --help)");
  if (s.threads > 0) set_num_threads(s.threads);
  manual_seed(s.seed);
  const data::StreamPlan plan = streaming_plan(s);
  if (plan.stream)
    return train_streaming(s, chosen, flags, checkpoint ? &*checkpoint : nullptr, saved_run, plan);
  std::ostream& out = std::cout;

  // Under --distributed every process reads and prepares the data itself (the same preprocessing
  // and splits everywhere, from the seed); one that fails makes all fail, rank 0 saying which.
  Loaded loaded;
  load_and_prepare(s, flags.distributed, loaded);
  const data::Source& train_src = loaded.data;
  const data::PreparedData& p = loaded.prepared;
  // An inferred task's defaults, now that the data has told it (a given task's are resolved).
  if (s.task.empty() && train_src.is_table()) train::resolve_task_defaults(s, chosen, p.task);
  if (train_src.is_table()) {
    train::resolve_size_defaults(s, chosen, p.task, p.x_train.shape(0));
    train::resolve_width_defaults(s, chosen, p);
    train::validate(s);
  }
  const bool lead = distributed::rank() == 0;
  const int processes = distributed::world_size();
  const bool classification = p.classification();
  const train::Recipe recipe = recipe_of(s);
  train::check_trainable(recipe, p, s.data);
  const std::string loss = train::loss_name(recipe, p.task);

  const auto columns = data::describe_columns(p);
  out << "data: " << train_src.name << " (" << train_src.rows() << " rows)\n"
      << "task: " << (classification ? "classification" : "regression")
      << (s.task.empty() ? " (inferred)" : " (--task)");
  if (classification) out << ", " << p.classes.size() << " classes: " << join(p.classes, 20);
  out << "\ncolumns:\n";
  for (const auto& [name, kind] : columns) out << "  " << name << ": " << kind << "\n";
  out << loaded.test_note << "\n";
  const bool ensemble = s.ensemble > 1;
  const train::EnsembleFit ensemble_fit = train::ensemble_fit_of(s, p.task);
  const bool has_val = p.has_validation() || ensemble;
  out << "validation: "
      << (ensemble ? "member i of " + std::to_string(s.ensemble) + " on fold i of the " +
                         std::to_string(p.x_train.shape(0)) + " training rows" +
                         (ensemble_fit == train::EnsembleFit::refit
                              ? ", then again on all of them for as many epochs (refit)"
                              : "")
          : has_val ? std::to_string(p.x_validation.shape(0)) + " rows (" +
                          number_text(s.validation_split * 100) + "% of the training rows)"
                    : std::string("none (--validation-split 0)"))
      << "\n";
  const train::CalibrationOptions calibrating = calibration_options(s, p, has_val);
  const bool early = has_val && s.early_stopping > 0;
  // A patience as long as the run never stops it early: it only keeps the best epoch.
  const bool stops = s.early_stopping < s.epochs;
  out << "early stopping: "
      << (early && stops ? "on val_loss, patience " + std::to_string(s.early_stopping) +
                               ", best weights restored"
          : early ? "runs all " + std::to_string(s.epochs) +
                        " epochs, then restores the weights of the best val_loss"
                  : std::string(has_val ? "off (--early-stopping 0)" : "off (no validation set)"))
      << "\n";

  const std::vector<double> class_weights = train::class_weights(recipe.class_weight, p);
  if (!class_weights.empty() || !p.weight_column.empty()) {
    std::vector<std::string> named;
    for (size_t c = 0; c < class_weights.size(); ++c) {
      std::ostringstream weight;
      weight << std::setprecision(3) << class_weights[c];
      named.push_back(p.classes[c] + " " + weight.str());
    }
    out << "weights: "
        << (named.empty()
                ? ""
                : "classes " + join(named, 20) + " (--class-weight " + s.class_weight + ")")
        << (!named.empty() && !p.weight_column.empty() ? "; " : "")
        << (p.weight_column.empty() ? "" : "rows by column " + p.weight_column)
        << "; the loss and val_loss are weighted, the scores are not\n";
  }
  train::FitOptions fit;
  fit.verbose = flags.quiet ? 0 : 1;
  fit.distributed = flags.distributed;
  fit.sync_batch_norm = !flags.local_batch_norm;
  // Diagnostics print after each epoch's progress line; the probe is the first training rows.
  std::optional<train::DiagnosticsCallback> diagnostics;
  DiagnosticsPrinter printer;
  if (flags.diagnostics) {
    const int64_t probe_rows = std::min<int64_t>(p.x_train.shape(0), 512);
    diagnostics.emplace(train::Diagnostics{.probe = p.x_train.slice_rows(0, probe_rows)});
    fit.callbacks.push_back(*diagnostics);
    printer.source = &*diagnostics;
    if (!flags.quiet) fit.callbacks.push_back(printer);
  }
  const size_t batch =
      std::min<size_t>(static_cast<size_t>(s.batch_size), static_cast<size_t>(p.x_train.shape(0)));
  set_checkpointing(fit, s, flags, checkpoint ? &*checkpoint : nullptr, saved_run,
                    run_record(s, train_src.rows(), p));
  if (flags.distributed) {
    const size_t fewest = batch / processes, most = (batch + processes - 1) / processes;
    out << "distributed: " << processes << " processes, each " << fewest
        << (most > fewest ? "-" + std::to_string(most) : std::string())
        << " rows of every batch of " << batch << "\n";
  }
  nn::Sequential network = train::build_network(recipe, p);
  out << "network: " << (ensemble ? std::to_string(s.ensemble) + " x " : "") << network.name()
      << " (" << train::parameter_count(network) << " parameters"
      << (ensemble ? " each; training takes " + std::to_string(s.ensemble) + " times as long" : "")
      << "), " << s.optimizer << " lr " << number_text(s.lr) << schedule_text(s.schedule)
      << ", batch " << batch << ", up to " << s.epochs << " epochs\n";
  if (train_src.is_table()) out << recipe_line(s, chosen, p.task, p.x_train.shape(0));
  if (checkpoint)
    out << "resumed: " << flags.resume << " (" << checkpoint->epochs_done << " epochs done"
        << (checkpoint->stopped ? ", early stopping had ended the run" : "") << ")\n";
  if (!s.checkpoint.empty()) out << "checkpoint: " << s.checkpoint << " (after every epoch)\n";
  out << std::flush;

  train::TrainedModel trained;
  std::optional<train::TrainedEnsemble> members;
  try {
    if (ensemble) {
      const auto announce = [&](size_t member, size_t count, bool refit) {
        if (!flags.quiet)
          out << "member " << member + 1 << "/" << count << (refit ? " (refit)" : "") << "\n"
              << std::flush;
      };
      members = train::train_ensemble(
          p, recipe,
          {.members = static_cast<size_t>(s.ensemble), .fit = ensemble_fit, .on_member = announce},
          fit);
      trained = members->model;
    } else {
      trained = train::train_model(std::move(network), p, recipe, fit);
    }
  } catch (const train::Interrupted& e) {
    // Every process stopped; rank 0 tells.
    return lead ? report_interrupt(e) : kExitInterrupted;
  } catch (const train::DivergedError& e) {
    if (e.cause == train::DivergedError::Cause::loss) throw;
    throw Error(std::string(e.what()) + " (plexus train: a smaller --lr than " + number_text(s.lr) +
                ", or --clip-grad 1)");
  }
  const size_t epochs_run = trained.history.epochs();

  // Calibration on the held-out rows: the validation rows, or an ensemble's out-of-fold outputs
  // (each row by the member that held it out).
  // A quantile regressor's outermost quantiles are its interval: it keeps no conformal residuals.
  const bool calibrates = recipe.quantiles.empty();
  train::CalibrationResult calibration;
  if (members && calibrates)
    calibration = train::calibrate(members->out_of_fold, p.y_train, p.task, calibrating);
  else if (has_val && calibrates && classification)
    calibration = train::calibrate(io::forward_in_batches(trained.network, p.x_validation),
                                   p.y_validation, p.task, calibrating);
  // A regressor's residuals: the validation rows', or cross-fitted when they are few.
  std::optional<train::ConformalResiduals> conformal;
  if (!members && has_val && calibrates && !classification) {
    conformal = train::conformal_residuals(
        trained, p, recipe,
        {.verbose = 0, .distributed = fit.distributed, .sync_batch_norm = fit.sync_batch_norm});
    calibration.calibration.residuals = conformal->residuals;
    calibration.rows = conformal->residuals.size();
  }
  TrainOutcome outcome{
      .trained = trained, .processes = processes, .calibration = calibration.calibration};
  // The test rows' outputs, computed once for every score below.
  const Tensor test_outputs =
      p.has_test() ? io::forward_in_batches(trained.network, p.x_test) : Tensor();
  if (p.has_test()) {
    outcome.scores =
        metrics::evaluate(test_outputs, p.y_test, p.task, outcome.calibration, recipe.quantiles);
    outcome.test_rows = static_cast<size_t>(p.x_test.shape(0));
  }
  json result = result_json(s, p, outcome);
  // The test rows' weights, when they have them, weigh one more score; the others are unweighted.
  std::string weighted_score;
  if (p.has_test() && p.w_test.defined()) {
    const double value = classification
                             ? metrics::weighted_accuracy(test_outputs, p.y_test, p.w_test)
                             : metrics::weighted_rmse(test_outputs, p.y_test, p.w_test);
    const char* name = classification ? "weighted_accuracy" : "weighted_rmse";
    result[std::string("test_") + name] = value;
    std::ostringstream text;
    text << std::fixed << std::setprecision(4) << "  " << name << " " << value
         << " (rows weighted by " << p.weight_column << ")\n";
    weighted_score = text.str();
  }
  if (!s.save.empty() && lead) save_trained(s, p, outcome, loaded.test_note);
  if (!s.report.empty() && lead)
    write_train_report(
        s, p, outcome, result, columns,
        loaded.test ? (loaded.test->is_table() ? &*loaded.test->table : nullptr)
                    : (loaded.data.is_table() ? &*loaded.data.table : nullptr),
        diagnostics ? diagnostics->epochs() : std::vector<std::vector<train::LayerDiagnostics>>{});

  out << "\n" << (conformal ? conformal->text() : calibration.text());
  if (members)
    out << "validation (" << p.x_train.shape(0) << " rows, each by the member that held it out):\n"
        << metrics::scores_text(members->validation, p.classes, false);
  if (p.has_test())
    out << (members ? "ensemble " : "") << "test (" << p.x_test.shape(0) << " rows):\n"
        << metrics::scores_text(outcome.scores, p.classes, false)
        << metrics::calibration_text(outcome.scores) << weighted_score;
  if (members) {
    out << "best epochs:";
    for (const auto& member : members->members) out << " " << member.best_epoch + 1;
    out << " (per member" << (early ? ", weights restored" : "") << ")\n";
  } else {
    out << "epochs run: " << epochs_run << ", best epoch " << trained.best_epoch + 1
        << (early ? " (weights restored)" : "") << "\n";
  }
  out << "time: " << std::fixed << std::setprecision(1) << trained.seconds << " s ("
      << std::setprecision(0) << trained.samples_per_second << " samples/s"
      << (flags.distributed ? " in all, " + std::to_string(processes) + " processes" : "") << ")\n"
      << std::defaultfloat;
  out << "model: " << (s.save.empty() ? std::string("not saved (use --save model.plx)") : s.save)
      << "\n";
  if (!s.report.empty()) out << "report: " << s.report << "/index.html\n";
  if (flags.json) print_json_line(result);
  return kExitOk;
}

}  // namespace

int run_train(TrainFlags flags, const std::vector<std::string>& given) {
  if (!flags.distributed && flags.local_batch_norm)
    throw UsageError("--local-batch-norm goes with --distributed");
  return run_as_job(flags.distributed, [&] { return train_process(flags, given); });
}

int run_as_job(bool distributed, const std::function<int()>& body) {
  if (!distributed) return body();
  distributed::init();
  const int rank = distributed::rank();
  if (rank != 0) std::cout.setstate(std::ios::badbit);  // only rank 0 prints
  int code = kExitFailure;
  try {
    code = body();
  } catch (const distributed::JobError& e) {
    // Every process stopped at the same point: rank 0 reports, and all leave in order.
    if (rank == 0) std::cerr << "plexus: error: " << e.what() << "\n";
    distributed::finalize();
    return kExitFailure;
  } catch (const std::exception& e) {
    // This process may be alone in failing: the others would wait for it forever, so the whole
    // job ends here.
    std::cerr << "plexus: error: rank " << rank << ": " << e.what() << std::endl;
    distributed::abort(is_usage_error(e) ? kExitUsage : kExitFailure);
  }
  distributed::finalize();
  return code;
}

}  // namespace plexus::cli
