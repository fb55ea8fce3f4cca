// Fitting the tabular pipeline (Preprocessing and Target) from chunks of rows, in one pass and
// memory that does not grow with the rows: a stream of a file too large to hold, or shards read by
// different processes and merged. It applies Preprocessing::fit's and Target::fit's rules and
// returns the same objects, so model files, export and serve do not change.
//
// Exact like the in-memory fit: column kinds, task inference, categories and classes (in the same
// sorted order), which columns get a missing indicator or category, means (summed in row order:
// bit for bit within one stream; merged shards sum in another order), the most frequent category,
// and the target. Different:
//   - medians and quartiles (median imputation, robust scaling) come from a QuantileSketch: exact
//     while a column has fewer than the sketch's k values, after within its rank_error();
//   - standard deviations are computed with Welford's update (Chan's merge), which agrees with
//     the in-memory two-pass sum to rounding;
//   - a numeric column's most frequent value (Impute::most_frequent) is exact while the column
//     has at most max_categories distinct values; past that, a Misra-Gries summary keeps the
//     candidates, which is exact for a value in more than 1 / max_categories of the rows;
//   - errors about a cell (a missing target, a word in a numeric column) name the first such cell
//     of the stream, which may be another cell than the in-memory fit names first.
// A categorical column (or classification target) with more than max_categories distinct values
// is an error naming the column. Memory per column: a sketch of at most about 140 KB (at 50
// million rows) and up to max_categories distinct cells (a numeric column drops its cells once it
// has more). Merging is deterministic: shards merged in the same order give the same bits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/data/csv.hpp"
#include "plexus/data/tabular.hpp"

namespace plexus::data {

class PreprocessingAccumulator {
 public:
  static constexpr size_t kDefaultMaxCategories = 10000;

  /// `columns`: the header of every chunk to come (names, in order); `source` names the data in
  /// errors (the file, or a folder of shards). Resolves the target and feature columns as
  /// Preprocessing::fit does, with the same errors.
  PreprocessingAccumulator(std::vector<std::string> columns, const TabularOptions& options,
                           std::string source = "data",
                           size_t max_categories = kDefaultMaxCategories);
  ~PreprocessingAccumulator();
  PreprocessingAccumulator(const PreprocessingAccumulator& other);
  PreprocessingAccumulator& operator=(const PreprocessingAccumulator& other);
  PreprocessingAccumulator(PreprocessingAccumulator&&) noexcept;
  PreprocessingAccumulator& operator=(PreprocessingAccumulator&&) noexcept;

  /// Adds `rows` of `chunk` (its training rows), whose columns must be the header's.
  void add(const Table& chunk, std::span<const size_t> rows);
  /// Adds every row of `chunk`.
  void add(const Table& chunk);
  /// Folds in an accumulator of other rows, made with the same columns and options.
  void merge(const PreprocessingAccumulator& other);

  /// The fitted pipeline; errors (no rows, a column without values, a word in a numeric column,
  /// too many categories) as Preprocessing::fit's.
  Preprocessing preprocessing() const;
  Target target() const;

  /// Rows added so far (merged ones included).
  uint64_t rows() const;
  /// Missing cells per column of the header (0 for ignored columns and the target).
  std::vector<uint64_t> missing_cells() const;
  const std::vector<std::string>& columns() const;

  std::vector<uint8_t> to_bytes() const;
  /// Reads bytes written by to_bytes of an accumulator with the same columns and options.
  static PreprocessingAccumulator from_bytes(std::span<const uint8_t> bytes,
                                             std::vector<std::string> columns,
                                             const TabularOptions& options,
                                             std::string source = "data",
                                             size_t max_categories = kDefaultMaxCategories);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace plexus::data
