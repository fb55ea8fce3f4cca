// Data too large to hold, trained from while it is read: a CSV (CsvStream), or a .npy of features
// and one of labels (NpyStream). The stream is cut on a grid (a CSV's bytes: CsvStream::units; a
// .npy's rows: NpyStream::units) and the units dealt to `lanes` lanes (unit u to lane u % lanes).
// The constructor reads the data once: each row's part (train, validation, test) comes from a
// seeded hash of its place (its unit and its index there: stream_row_key), and the tabular pipeline
// is fitted on the training rows by one PreprocessingAccumulator per lane, merged in lane order (a
// .npy: what prepare_arrays fits, over every row as it does: the task, the classes and the 1/255
// scale of byte values, each lane's part merged in lane order).
// batches() then streams one part as a BatchSource for fit(): each lane reads its units in an
// order drawn from (seed, epoch, lane) on a thread of its own, which parses and transforms the
// next units while the current batches train (a bounded queue), and passes its rows through its
// own shuffle buffer; every batch takes from each lane a share set by the lanes' row counts.
// Memory is set by the chunk size, the queues and the buffers, not by the file.
//
// Processes that train together (distributed) each read the lanes of their share only
// (StreamShare): the fitted pipeline and the batches do not depend on how many there are.
//
//   px::data::StreamingTable data(px::data::CsvStream("big.csv"), {.columns = {.target = "y"}});
//   auto train = data.batches(px::data::Part::train, {.batch_size = 128, .shuffle = true});
//   px::train::fit(model, optimizer, "cross_entropy", *train, {.epochs = 3});
//   px::data::StreamingTable arrays(px::data::NpyStream("x.npy", "y.npy"), {});
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "plexus/data/batch_source.hpp"
#include "plexus/data/csv_stream.hpp"
#include "plexus/data/npy_stream.hpp"
#include "plexus/data/prepare.hpp"
#include "plexus/data/split.hpp"
#include "plexus/data/tabular.hpp"

namespace plexus::data {

/// The processes reading one stream together: process `rank` of `processes` reads the lanes
/// [rank * lanes / processes, (rank + 1) * lanes / processes); `all_gather` gives every
/// process's text in rank order (distributed::all_gather), to merge what each one fitted.
struct StreamShare {
  size_t rank = 0;
  size_t processes = 1;
  std::function<std::vector<std::string>(const std::string&)> all_gather;
};

/// The key of a row for assign_part: its unit of the grid and its index in the unit.
uint64_t stream_row_key(size_t unit, uint64_t row_in_unit);

struct StreamingOptions {
  TabularOptions columns;
  /// Each row is a test row with this probability, a validation row with validation_fraction
  /// (the parts' sizes match in expectation; classes are not stratified).
  double test_fraction = 0.2;
  double validation_fraction = 0.1;
  /// Seeds the parts (assign_part), the lanes' unit orders and their shuffle buffers.
  uint64_t seed = 0;
  /// Transformed units waiting for the training thread, per lane (each about the stream's
  /// chunk_bytes of text).
  size_t prefetch_chunks = 1;
  /// Units dealt round-robin to this many lanes; the batches depend on it, the number of
  /// processes (at most this many) does not.
  size_t lanes = 6;
  StreamShare share;
};

struct StreamBatchOptions {
  size_t batch_size = 128;
  /// Each lane's units in an order drawn from (seed, epoch, lane), rows through its shuffle
  /// buffer; off: each lane in file order.
  bool shuffle = false;
  /// Rows the shuffle buffers hold together (a lane's buffer holds its share; each output row is
  /// drawn at random from its lane's); 0 with shuffle off.
  size_t shuffle_rows = 0;
  /// A regression target as (y - target_mean) / target_std, as train_model trains it.
  bool standardise_target = false;
};

class StreamingTable {
 public:
  /// Reads `stream` once: the parts, the fitted pipeline, the rows per part.
  StreamingTable(CsvStream stream, const StreamingOptions& options);
  /// Reads the features and labels once: the parts, the rows per part, and what prepare_arrays
  /// fits (options.columns.task alone of the column options applies).
  StreamingTable(NpyStream stream, const StreamingOptions& options);
  ~StreamingTable();
  StreamingTable(const StreamingTable&) = delete;
  StreamingTable& operator=(const StreamingTable&) = delete;

  /// The data as the user named it (a CSV, a folder or glob of shards, the features .npy).
  const std::string& name() const;
  /// The files read, and their size on disk together.
  std::vector<std::string> files() const;
  uint64_t file_bytes() const;
  /// A CSV's fitted pipeline (none for a .npy: prepared().scale is what applies).
  const Preprocessing& preprocessing() const { return preprocessing_; }
  /// The task and classes (a CSV's: also its target column).
  const Target& target() const { return target_; }
  /// The task, classes, features and pipeline as prepare_table gives them; no rows (x_train is
  /// [0, features()], so that train::build_network can size a network from it).
  const PreparedData& prepared() const { return prepared_; }
  uint64_t rows() const { return rows(Part::train) + rows(Part::validation) + rows(Part::test); }
  uint64_t rows(Part part) const;
  /// Rows of `part` in `lane` (over all processes).
  uint64_t rows(Part part, size_t lane) const;
  /// Lanes this process reads: [first, last).
  std::pair<size_t, size_t> own_lanes() const { return own_lanes_; }
  /// Bytes this process has read from disk so far (the fitting pass and every part since).
  uint64_t bytes_read() const { return bytes_read_; }
  /// Missing cells per column of the header, over the training rows.
  const std::vector<uint64_t>& missing_cells() const { return missing_; }
  /// A regression target's mean and population std over the training rows (std 0 counts as 1).
  double target_mean() const { return target_mean_; }
  double target_std() const { return target_std_; }
  /// Outputs of the pipeline per row (the network's inputs).
  size_t features() const { return static_cast<size_t>(prepared_.x_train.shape(1)); }

  /// The rows of `part` as a source of batches; the table must outlive it. When processes share
  /// the stream, each batch holds this process's rows of the global batch (BatchSource::share).
  std::unique_ptr<BatchSource> batches(Part part, const StreamBatchOptions& options) const;

 private:
  friend class StreamBatches;
  friend class LaneReader;
  void share_lanes();
  void fit_lanes();
  // This process's lanes' fitting pass, as bytes per lane (rows per part, the target's moments,
  // and what the data's kind fits), written into `mine`.
  void fit_csv_lanes(std::string& mine);
  void fit_npy_lanes(std::string& mine);
  // What the lanes fitted (`fitted`, in lane order) made into the pipeline and prepared_.
  void finish_csv_fit(const std::vector<std::vector<uint8_t>>& fitted);
  void finish_npy_fit(const std::vector<std::vector<uint8_t>>& fitted);
  // An error's text with a CSV's true line numbers.
  std::string located(const std::exception& error) const;

  std::unique_ptr<CsvStream> stream_;  // one of these two
  std::unique_ptr<NpyStream> npy_;
  StreamingOptions options_;
  std::vector<StreamUnit> units_;  // a CSV's
  size_t unit_count_ = 0;
  std::vector<float> label_values_;  // a .npy's classes, as the label values that name them
  std::vector<uint64_t> unit_rows_;  // rows of each unit this process reads (from the first pass)
  std::pair<size_t, size_t> own_lanes_;
  std::vector<std::array<uint64_t, 3>> lane_rows_;  // per lane, per part
  mutable std::atomic<uint64_t> bytes_read_ = 0;
  Preprocessing preprocessing_;
  Target target_;
  PreparedData prepared_;
  std::vector<uint64_t> missing_;
  double target_mean_ = 0, target_std_ = 1;
};

}  // namespace plexus::data
