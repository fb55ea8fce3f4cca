// A CSV too large to hold, trained from while it is read. The constructor reads the data once:
// each row's part (train, validation, test) comes from a seeded hash of its position
// (assign_part), and the tabular pipeline is fitted on the training rows by a
// PreprocessingAccumulator. batches() then streams one part as a BatchSource for fit():
// each epoch reads the chunks in an order drawn from (seed, epoch), a background thread parses
// and transforms the next chunks while the current batches train (a bounded queue), and the rows
// pass through a shuffle buffer of a bounded number of rows. Memory is set by the chunk size,
// the queue and the buffer, not by the file.
//
//   px::data::StreamingTable data(px::data::CsvStream("big.csv"), {.columns = {.target = "y"}});
//   auto train = data.batches(px::data::Part::train, {.batch_size = 128, .shuffle = true});
//   px::train::fit(model, optimizer, "cross_entropy", *train, {.epochs = 3});
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "plexus/data/batch_source.hpp"
#include "plexus/data/csv_stream.hpp"
#include "plexus/data/prepare.hpp"
#include "plexus/data/split.hpp"
#include "plexus/data/tabular.hpp"

namespace plexus::data {

struct StreamingOptions {
  TabularOptions columns;
  /// Each row is a test row with this probability, a validation row with validation_fraction
  /// (the parts' sizes match in expectation; classes are not stratified).
  double test_fraction = 0.2;
  double validation_fraction = 0.1;
  /// Seeds the parts (assign_part), the chunk order and the shuffle buffer.
  uint64_t seed = 0;
  /// Transformed chunks waiting for the training thread (each about the stream's chunk_bytes
  /// of text).
  size_t prefetch_chunks = 2;
};

struct StreamBatchOptions {
  size_t batch_size = 128;
  /// Chunks in an order drawn from (seed, epoch), rows through the shuffle buffer; off: file
  /// order.
  bool shuffle = false;
  /// Rows the shuffle buffer holds (each output row is drawn at random from it); 0 with shuffle
  /// off.
  size_t shuffle_rows = 0;
  /// A regression target as (y - target_mean) / target_std, as train_model trains it.
  bool standardise_target = false;
};

class StreamingTable {
 public:
  /// Reads `stream` once: the parts, the fitted pipeline, the rows per part.
  StreamingTable(CsvStream stream, const StreamingOptions& options);
  ~StreamingTable();
  StreamingTable(const StreamingTable&) = delete;
  StreamingTable& operator=(const StreamingTable&) = delete;

  const CsvStream& stream() const { return *stream_; }
  const Preprocessing& preprocessing() const { return preprocessing_; }
  const Target& target() const { return target_; }
  /// The task, classes, features and pipeline as prepare_table gives them; no rows (x_train is
  /// [0, features()], so that train::build_network can size a network from it).
  const PreparedData& prepared() const { return prepared_; }
  uint64_t rows() const { return rows_[0] + rows_[1] + rows_[2]; }
  uint64_t rows(Part part) const { return rows_[static_cast<size_t>(part)]; }
  /// Missing cells per column of the header, over the training rows.
  const std::vector<uint64_t>& missing_cells() const { return missing_; }
  /// A regression target's mean and population std over the training rows (std 0 counts as 1).
  double target_mean() const { return target_mean_; }
  double target_std() const { return target_std_; }
  /// Outputs of the pipeline per row (the network's inputs).
  size_t features() const { return preprocessing_.output_features(); }

  /// The rows of `part` as a source of batches; the table must outlive it.
  std::unique_ptr<BatchSource> batches(Part part, const StreamBatchOptions& options) const;

 private:
  friend class StreamBatches;
  std::unique_ptr<CsvStream> stream_;
  StreamingOptions options_;
  Preprocessing preprocessing_;
  Target target_;
  PreparedData prepared_;
  std::array<uint64_t, 3> rows_{};
  std::vector<uint64_t> missing_;
  double target_mean_ = 0, target_std_ = 1;
};

}  // namespace plexus::data
