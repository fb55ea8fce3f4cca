// `plexus train --stream`: the library reads --data in chunks (data::StreamingTable) and trains
// the recipe on its batches (train::train_model over a stream); this file checks what the
// streaming path does not do yet, prints, scores the streamed test rows (or the --test file, read
// in chunks through the fitted pipeline) and saves.
#include "train_stream.hpp"

#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <numeric>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "plexus/base/text.hpp"
#include "plexus/data/memory.hpp"
#include "plexus/data/source.hpp"
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
  if (data::is_npy_path(s.data) && s.labels.empty())
    throw UsageError("--data " + s.data + ": give the targets with --labels FILE.npy");
  if (s.ensemble > 1) refuse("--ensemble");
  if (!s.weight_column.empty()) refuse("--weight-column");
  if (!s.class_weight.empty()) refuse("--class-weight");
  if (!s.quantiles.empty()) refuse("--quantiles");
  if (!s.report.empty()) refuse("--report");
  if (!s.threshold_for.empty()) refuse("--threshold-for");
  if (!s.cost_matrix.empty()) refuse("--cost-matrix");
  if (flags.diagnostics) refuse("--diagnostics");
}

// The --test file of a streamed run, read after training a chunk at a time through what the
// fitting pass fitted, as reading it whole reads it: a CSV through the preprocessing and the
// target's encoding, a .npy scaled and its labels made class indices. Only the outputs and
// targets are kept whole (a few floats a row), as for the streamed test rows.
class TestFile {
 public:
  /// Opens the file and refuses, before training, what reading it whole refuses then: a file that
  /// cannot be read, a CSV without a column the pipeline reads or without the target, a .npy of
  /// another width, labels of another count or of a class the training data lacks.
  TestFile(const train::TrainSettings& s, const data::StreamingTable& table, size_t chunk_bytes)
      : table_(table), file_(s.test) {
    const data::PreparedData& p = table.prepared();
    if (!data::is_npy_path(s.data)) {
      if (data::is_npy_path(s.test)) throw Error(s.test + ": --test must be a CSV like --data");
      csv_.emplace(s.test, data::CsvStreamOptions{.csv = csv_options(s.header, s.delimiter),
                                                  .chunk_bytes = chunk_bytes});
      // A table of the file's header alone: the columns are looked up before any cell is read.
      const data::Table header(s.test, csv_->columns(), {});
      table.preprocessing().transform(header, {});
      table.target().encode(header, {});
      return;
    }
    if (!data::is_npy_path(s.test) || s.test_labels.empty())
      throw Error(s.test + ": the test set must be labelled arrays like --data");
    labels_ = s.test_labels;
    npy_.emplace(s.test, s.test_labels, chunk_bytes);
    if (npy_->cols() != table.features())
      throw Error(s.test + ": " + std::to_string(npy_->cols()) + " features per row, " + s.data +
                  " has " + std::to_string(table.features()));
    if (p.classification()) {
      for (const std::string& name : p.classes)
        class_values_.push_back(std::strtof(name.c_str(), nullptr));
      std::vector<float> labels;
      for (size_t unit = 0; unit < npy_->units(); ++unit) {
        npy_->read_labels(unit, labels);
        for (const float label : labels) class_of(label);
      }
    }
  }

  /// What the `test set:` line says of it.
  std::string description() const {
    return file_ +
           (npy_ ? " with labels " + labels_ + " (" + std::to_string(npy_->rows()) + " rows, "
                 : std::string(" (")) +
           "--test: read in chunks after training; no rows of the data are held out for it)";
  }

  /// `network`'s outputs on every row and the rows' targets, in file order ([N, outputs] and [N]
  /// or [N, 1] as train::forward_batches gives them); warnings as reading whole gives them.
  std::pair<Tensor, Tensor> forward(nn::Module& network, std::vector<std::string>& warnings) {
    std::vector<float> outputs, targets;
    int64_t width = 0;
    const auto add = [&](const Tensor& x, const Tensor& y) {
      const Tensor out = io::forward_in_batches(network, x);
      width = out.shape(1);
      outputs.insert(outputs.end(), out.data(), out.data() + out.numel());
      targets.insert(targets.end(), y.data(), y.data() + y.numel());
    };
    if (csv_) {
      csv_->scan([&](const data::Table& chunk, const data::CsvChunk&) {
        std::vector<size_t> rows(chunk.rows());
        std::iota(rows.begin(), rows.end(), size_t{0});
        add(table_.preprocessing().transform(chunk, rows, &warnings),
            table_.target().encode(chunk, rows));
      });
      bytes_read_ += csv_->file_bytes();
    } else {
      const float scale = table_.prepared().scale;
      const bool classification = table_.prepared().classification();
      std::vector<float> x, y;
      for (size_t unit = 0; unit < npy_->units(); ++unit) {
        bytes_read_ += npy_->read_unit(unit, x, y);
        const auto rows = static_cast<int64_t>(y.size());
        Tensor inputs = Tensor::empty({rows, static_cast<int64_t>(npy_->cols())});
        for (size_t i = 0; i < x.size(); ++i)
          inputs.data()[i] = scale == 1.0f ? x[i] : x[i] * scale;
        Tensor labels = classification ? Tensor::empty({rows}) : Tensor::empty({rows, 1});
        for (size_t i = 0; i < y.size(); ++i)
          labels.data()[i] = classification ? static_cast<float>(class_of(y[i])) : y[i];
        add(inputs, labels);
      }
    }
    const auto n = static_cast<int64_t>(targets.size());
    Tensor out = Tensor::empty({n, width});
    std::copy(outputs.begin(), outputs.end(), out.data());
    Tensor y = table_.prepared().classification() ? Tensor::empty({n}) : Tensor::empty({n, 1});
    std::copy(targets.begin(), targets.end(), y.data());
    return {out, y};
  }

  /// Bytes read from disk by forward().
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  // A .npy label's class index, as prepare_arrays finds it (by value among the classes' values).
  size_t class_of(float label) const {
    const auto at = std::find(class_values_.begin(), class_values_.end(), label);
    if (at == class_values_.end())
      throw Error(
          file_ + ": label " + number_text(label) +
          " is a class the training data lacks (classes: " + join(table_.prepared().classes) + ")");
    return static_cast<size_t>(at - class_values_.begin());
  }

  const data::StreamingTable& table_;
  std::string file_, labels_;
  std::optional<data::CsvStream> csv_;
  std::optional<data::NpyStream> npy_;
  std::vector<float> class_values_;  // a .npy's classes by the label values that name them
  uint64_t bytes_read_ = 0;
};

// The warnings of the --test file's chunks (unseen categories, words in numeric columns): each
// chunk warns of each column it has them in, so the first warning of a column and kind stands for
// the rest.
void print_warnings(const std::vector<std::string>& warnings, const std::string& file) {
  std::set<std::string> seen;
  size_t repeated = 0;
  for (const std::string& warning : warnings) {
    const size_t begin = warning.find("column '"), end = warning.find("): ", begin);
    const std::string key =
        begin == std::string::npos || end == std::string::npos
            ? warning
            : warning.substr(begin, end - begin) +
                  (warning.find("is not a number", end) == std::string::npos ? " category"
                                                                             : " word");
    if (seen.insert(key).second)
      warn(warning);
    else
      ++repeated;
  }
  if (repeated > 0)
    warn("the counts above are of the first chunk of " + file + " with such cells in the " +
         "column; " + std::to_string(repeated) + " more chunks had them in those columns");
}

// Runs `body`; under --distributed an error on any process stops every process there, rank 0
// reporting it.
template <typename Body>
void on_every_process(bool distributed, const char* what, Body body) {
  if (!distributed) return body();
  std::optional<std::string> error;
  try {
    body();
  } catch (const std::exception& e) {
    error = e.what();
  }
  distributed::agree_on_errors(error, what);
}

}  // namespace

int train_streaming(train::TrainSettings s, const std::vector<std::string>& chosen,
                    const TrainFlags& flags, const train::Checkpoint* checkpoint,
                    const json& saved_run, const data::StreamPlan& plan) {
  check_supported(s, flags);
  std::ostream& out = std::cout;
  const size_t chunk_bytes = data::stream_chunk_bytes(plan.budget);
  // With --test no rows are held out for testing, as when reading whole.
  const bool test_file = !s.test.empty();
  data::StreamingOptions options{
      .columns = train::tabular_options(s),
      .test_fraction = test_file ? 0.0 : 0.2,
      // Of the rows left after the test rows.
      .validation_fraction = test_file ? s.validation_split : 0.8 * s.validation_split,
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
    if (data::is_npy_path(s.data))
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
  on_every_process(flags.distributed, "reading the data", open);
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
  if (distributed::rank() == 0)
    for (const auto& w : p.warnings) warn(w);
  // Every process reads the whole --test file, as every process reads it when reading whole.
  std::optional<TestFile> test;
  if (test_file)
    on_every_process(flags.distributed, "reading the test data",
                     [&] { test.emplace(s, table, chunk_bytes); });
  const bool classification = p.classification();
  const size_t shuffle_rows = s.shuffle_buffer > 0
                                  ? static_cast<size_t>(s.shuffle_buffer)
                                  : data::stream_shuffle_rows(plan.budget, table.features());
  // An inferred task's defaults, now that the fitting pass has told it (as in memory).
  if (s.task.empty() && !npy) train::resolve_task_defaults(s, chosen, p.task);
  const auto training_rows = static_cast<int64_t>(table.rows(data::Part::train));
  if (!npy) {
    train::resolve_size_defaults(s, chosen, p.task, training_rows);
    train::resolve_width_defaults(s, chosen, p);
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
  size_t test_rows = table.rows(data::Part::test);
  const size_t validation_rows = table.rows(data::Part::validation);
  out << "test set: "
      << (test ? test->description()
               : std::to_string(test_rows) + " rows (about 20% of " + s.data +
                     ", by a seeded hash of the row's place in the file; not stratified)")
      << "\n"
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
      << " parameters), " << s.optimizer << " lr " << number_text(s.lr) << schedule_text(s.schedule)
      << ", batch " << batch << ", up to " << s.epochs << " epochs\n";
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
  if (test) {
    std::pair<Tensor, Tensor> scored;
    std::vector<std::string> warnings;
    on_every_process(flags.distributed, "reading the test data",
                     [&] { scored = test->forward(trained.network, warnings); });
    print_warnings(warnings, s.test);
    test_rows = static_cast<size_t>(scored.second.shape(0));
    if (test_rows > 0)
      outcome.scores = metrics::evaluate(scored.first, scored.second, p.task, outcome.calibration);
    outcome.test_rows = test_rows;
  } else if (test_rows > 0) {
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
  const uint64_t mine = table.bytes_read() + (test ? test->bytes_read() : 0);
  std::vector<uint64_t> bytes_read{mine};
  if (flags.distributed) {
    bytes_read.clear();
    for (const std::string& bytes : distributed::all_gather(std::to_string(mine)))
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
