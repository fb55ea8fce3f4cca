// `plexus train --stream`: the library reads --data in chunks (data::StreamingTable) and trains
// the recipe on its batches (train::train_model over a stream); this file checks what the
// streaming path does not do yet, prints, scores the streamed test rows and saves.
#include "train_stream.hpp"

#include <iomanip>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "plexus/base/text.hpp"
#include "plexus/data/memory.hpp"
#include "plexus/data/streaming.hpp"
#include "plexus/distributed/distributed.hpp"
#include "plexus/error.hpp"
#include "plexus/train/calibration.hpp"
#include "plexus/train/recipe.hpp"
#include "plexus/train/recipe_defaults.hpp"
#include "train_run.hpp"

namespace plexus::cli {

data::StreamPlan streaming_plan(const train::TrainSettings& s) {
  uint64_t budget = 0;
  try {
    budget = s.memory.empty() ? data::default_memory_budget() : data::parse_memory_size(s.memory);
  } catch (const Error& e) {
    throw UsageError(e.what());
  }
  // Processes training together stream with rank 0's budget: the chunks and the shuffle buffer
  // it sets shape the batches, which must not depend on each machine's memory.
  if (distributed::initialized() && distributed::world_size() > 1)
    budget = std::stoull(distributed::all_gather(std::to_string(budget)).front());
  return data::plan_streaming(s.data, s.labels, s.stream, budget);
}

namespace {

bool is_npy(const std::string& data) {
  return data.size() >= 4 && data.compare(data.size() - 4, 4, ".npy") == 0;
}

// What the streaming path does not do yet, as usage errors naming the flag.
void check_supported(const train::TrainSettings& s, const TrainFlags& flags) {
  const auto refuse = [](const std::string& flag) {
    throw UsageError(flag +
                     " does not work with streamed data yet; pass --no-stream to read "
                     "the data whole");
  };
  if (!data::streamable(s.data))
    throw UsageError("--stream: --data " + s.data +
                     " is not data the stream reads (a .csv or .csv.gz file, a folder or a glob "
                     "of them, or a .npy)");
  if (is_npy(s.data) && s.labels.empty())
    throw UsageError("--data " + s.data + ": give the targets with --labels FILE.npy");
  if (!s.test.empty()) refuse("--test");
  if (s.ensemble > 1) refuse("--ensemble");
  if (!s.weight_column.empty()) refuse("--weight-column");
  if (!s.class_weight.empty()) refuse("--class-weight");
  if (!s.quantiles.empty()) refuse("--quantiles");
  if (!s.report.empty()) refuse("--report");
  if (!s.threshold_for.empty()) refuse("--threshold-for");
  if (!s.cost_matrix.empty()) refuse("--cost-matrix");
  if (flags.diagnostics) refuse("--diagnostics");
}

}  // namespace

int train_streaming(train::TrainSettings s, const std::vector<std::string>& chosen,
                    const TrainFlags& flags, const train::Checkpoint* checkpoint,
                    const json& saved_run, const data::StreamPlan& plan) {
  check_supported(s, flags);
  std::ostream& out = std::cout;
  const size_t chunk_bytes = data::stream_chunk_bytes(plan.budget);
  data::StreamingOptions options{
      .columns = train::tabular_options(s),
      .test_fraction = 0.2,
      .validation_fraction = 0.8 * s.validation_split,  // of the rows left after the test rows
      .seed = s.seed};
  if (flags.distributed)
    options.share = {.rank = static_cast<size_t>(distributed::rank()),
                     .processes = static_cast<size_t>(distributed::world_size()),
                     .all_gather = distributed::all_gather};
  const data::CsvStreamOptions stream_options{.csv = csv_options(s.header, s.delimiter),
                                              .chunk_bytes = chunk_bytes};
  // Under --distributed each process reads its lanes; an error in any stops every process at the
  // same point (the lanes' fits are exchanged even when one failed), rank 0 reporting it.
  std::optional<data::CsvStream> csv;
  std::optional<data::NpyStream> npy;
  const auto open = [&] {
    if (is_npy(s.data))
      npy.emplace(s.data, s.labels, chunk_bytes);
    else
      csv.emplace(s.data, stream_options);
  };
  std::optional<data::StreamingTable> streamed;
  const auto read = [&] {
    if (npy)
      streamed.emplace(std::move(*npy), options);
    else
      streamed.emplace(std::move(*csv), options);
  };
  if (!flags.distributed) {
    open();
  } else {
    std::optional<std::string> error;
    try {
      open();
    } catch (const std::exception& e) {
      error = e.what();
    }
    distributed::agree_on_errors(error, "reading the data");
  }
  const std::string unit_text =
      npy ? "units of " + std::to_string(npy->unit_rows()) + " rows (" : "chunks of ";
  try {
    read();
  } catch (const Error& e) {
    if (!flags.distributed) throw;
    throw distributed::JobError(e.what());
  }
  const data::StreamingTable& table = *streamed;
  const data::PreparedData& p = table.prepared();
  const bool classification = p.classification();
  const size_t shuffle_rows = s.shuffle_buffer > 0
                                  ? static_cast<size_t>(s.shuffle_buffer)
                                  : data::stream_shuffle_rows(plan.budget, table.features());
  // An inferred task's defaults, now that the fitting pass has told it (as in memory).
  if (s.task.empty() && !npy) train::resolve_task_defaults(s, chosen, p.task);
  const auto training_rows = static_cast<int64_t>(table.rows(data::Part::train));
  if (!npy) {
    train::resolve_size_defaults(s, chosen, p.task, training_rows);
    train::validate(s);
  }
  const train::Recipe recipe = recipe_of(s);
  train::check_trainable(recipe, p, s.data);
  const std::string loss = train::loss_name(recipe, p.task);

  const size_t files = table.files().size();
  out << "data: " << s.data << (npy ? " with labels " + s.labels : "") << " (" << table.rows()
      << " rows, " << files << (files == 1 ? " file, " : " files, ")
      << data::format_bytes(table.file_bytes()) << ")\n"
      << "streaming: " << plan.reason << "; " << unit_text << data::format_bytes(chunk_bytes)
      << (npy ? ")" : "") << ", shuffle buffer " << shuffle_rows << " rows, memory budget "
      << data::format_bytes(plan.budget) << ", " << options.lanes << " lanes"
      << (flags.distributed ? " shared by the processes" : "") << "\n"
      << "task: " << (classification ? "classification" : "regression")
      << (s.task.empty() ? " (inferred)" : " (--task)");
  if (classification) out << ", " << p.classes.size() << " classes: " << join(p.classes, 20);
  out << "\ncolumns:\n";
  for (const auto& [name, kind] : data::describe_columns(p))
    out << "  " << name << ": " << kind << "\n";
  const size_t test_rows = table.rows(data::Part::test);
  const size_t validation_rows = table.rows(data::Part::validation);
  out << "test set: " << test_rows << " rows (about 20% of " << s.data
      << ", by a seeded hash of the row's place in the file; not stratified)\n"
      << "validation: "
      << (validation_rows == 0
              ? std::string("none (--validation-split 0)")
              : std::to_string(validation_rows) + " rows (about " +
                    number_text(s.validation_split * 100) +
                    "% of the training rows, by the same hash; not stratified; read again each "
                    "epoch)")
      << "\n";

  train::FitOptions fit;
  fit.verbose = flags.quiet ? 0 : 1;
  fit.distributed = flags.distributed;
  fit.sync_batch_norm = !flags.local_batch_norm;
  set_checkpointing(fit, s, flags, checkpoint, saved_run, run_record(s, table.rows(), p));
  nn::Sequential network = train::build_network(recipe, p);
  const size_t batch =
      std::min<size_t>(static_cast<size_t>(s.batch_size), table.rows(data::Part::train));
  out << "network: " << network.name() << " (" << train::parameter_count(network)
      << " parameters), " << s.optimizer << " lr " << number_text(s.lr) << ", batch " << batch
      << ", up to " << s.epochs << " epochs\n";
  if (!npy) out << recipe_line(s, chosen, p.task, training_rows);
  if (checkpoint)
    out << "resumed: " << flags.resume << " (" << checkpoint->epochs_done << " epochs done)\n";
  if (!s.checkpoint.empty()) out << "checkpoint: " << s.checkpoint << " (after every epoch)\n";
  out << std::flush;

  train::TrainedModel trained;
  try {
    trained = train::train_model(std::move(network), table, recipe, fit, shuffle_rows);
  } catch (const train::Interrupted& e) {
    if (!e.checkpoint.empty())
      std::cerr << "\nplexus: interrupted; to continue: plexus train --resume "
                << shell_word(e.checkpoint.string()) << "\n";
    return kExitInterrupted;
  }

  // Calibration on the streamed validation rows, scores on the streamed test rows.
  train::CalibrationResult calibration;
  if (validation_rows > 0) {
    const auto source = table.batches(data::Part::validation, {.batch_size = 1024});
    const auto [outputs, targets] = train::forward_batches(trained.network, *source);
    calibration =
        train::calibrate(outputs, targets, p.task, {.temperature = s.calibration == "temperature"});
  }
  TrainOutcome outcome{.trained = trained,
                       .processes = distributed::world_size(),
                       .calibration = calibration.calibration};
  if (test_rows > 0) {
    const auto source = table.batches(data::Part::test, {.batch_size = 1024});
    const auto [outputs, targets] = train::forward_batches(trained.network, *source);
    outcome.scores = metrics::evaluate(outputs, targets, p.task, outcome.calibration);
    outcome.test_rows = test_rows;
  }
  const std::string test_note = "test set: " + std::to_string(test_rows) +
                                " rows (about 20% of the data, by a seeded hash of the row's "
                                "place in the file, streamed)";
  if (!s.save.empty() && distributed::rank() == 0) save_trained(s, p, outcome, test_note);
  out << "\n" << calibration.text();
  if (test_rows > 0)
    out << "test (" << test_rows << " rows):\n"
        << metrics::scores_text(outcome.scores, p.classes, false)
        << metrics::calibration_text(outcome.scores);
  out << "epochs run: " << trained.history.epochs() << ", best epoch " << trained.best_epoch + 1
      << (trained.early_stopping ? " (weights restored)" : "") << "\n"
      << "time: " << std::fixed << std::setprecision(1) << trained.seconds << " s ("
      << std::setprecision(0) << trained.samples_per_second << " samples/s)\n"
      << std::defaultfloat
      << "model: " << (s.save.empty() ? std::string("not saved (use --save model.plx)") : s.save)
      << "\n";
  // What each process read from disk: the fitting pass, every epoch, validation and test.
  std::vector<uint64_t> bytes_read{table.bytes_read()};
  if (flags.distributed) {
    bytes_read.clear();
    for (const std::string& bytes : distributed::all_gather(std::to_string(table.bytes_read())))
      bytes_read.push_back(std::stoull(bytes));
  }
  out << "read: ";
  for (size_t rank = 0; rank < bytes_read.size(); ++rank)
    out << (rank > 0 ? ", " : "") << data::format_bytes(bytes_read[rank])
        << (flags.distributed ? " by process " + std::to_string(rank) : "");
  out << " (the data: " << data::format_bytes(table.file_bytes()) << ")\n";
  if (flags.json) {
    json result = result_json(s, p, outcome);
    result["bytes_read"] = bytes_read;
    print_json_line(result);
  }
  return kExitOk;
}

}  // namespace plexus::cli
