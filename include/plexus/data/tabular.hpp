// Tabular data for a network: the feature pipeline (impute missing cells, scale numeric columns,
// one-hot encode categorical ones) and the target's encoding (class indices or values).
// Both are fitted on the training rows only, so that nothing about the validation or test rows
// leaks into training, and both save to JSON text (kept inside model files) and load back.
// Columns are matched by name when transforming, so a file may order its columns differently or
// have extra ones.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "plexus/data/csv.hpp"
#include "plexus/tensor/tensor.hpp"

namespace plexus::data {

enum class Task { classification, regression };
enum class ColumnKind { numeric, categorical, ignored };
/// How missing cells (empty, NA, N/A, NaN, null in any case, ?) are filled: none makes them errors;
/// mean and median fill numeric columns (categorical ones take the most frequent category);
/// most_frequent fills either kind with its most frequent training value (the smallest on ties).
/// automatic (`--impute auto`) fills numeric columns with the median and categorical ones with
/// the most frequent category; where the training rows of a column have gaps, a numeric column
/// also gets a missing indicator and a categorical one a missing category, so that the network
/// sees which cells were missing.
enum class Impute { none, mean, median, most_frequent, automatic };
/// How numeric columns are scaled: standard is (x - mean) / std; robust is RealMLP's
/// z = (x - median) / scale, scale from the interquartile range, then the smooth clip
/// z / sqrt(1 + (z / 3)^2), which keeps outliers within about +-3.
enum class Scaling { standard, robust };

struct TabularOptions {
  std::string target;                    ///< name or 0-based index; empty = the last column
  std::vector<std::string> features;     ///< empty = every column but the target and ignored ones
  std::vector<std::string> ignore;       ///< columns not used at all (ids, free text)
  std::vector<std::string> categorical;  ///< columns one-hot encoded even if they look numeric
  Impute impute = Impute::automatic;
  /// robust by default: it measured better than standard on the tabular benchmark
  /// (bench/TABULAR.md), most on sets with skewed or heavy-tailed columns.
  Scaling scaling = Scaling::robust;
  std::optional<Task> task;  ///< unset = classification for text or <= 20 distinct integers
  /// A categorical column with more categories than this becomes one input, the category's
  /// index, for a CategoricalEmbedding in front of the network; fewer stay one-hot. 0: every
  /// column one-hot. The default is measured (bench/TABULAR.md).
  size_t embed_categories_above = 100;
};

struct ColumnInfo {
  std::string name;
  ColumnKind kind;
  double mean = 0, std = 1;             ///< numeric, standard scaling: the mean and population std
  double median = 0, scale = 1;         ///< numeric, robust scaling: (x - median) / scale
  std::vector<std::string> categories;  ///< categorical: the one-hot order
  std::optional<std::string> fill;      ///< the value a missing cell takes, as text
  /// numeric: one more output after the value, 1 where the cell is missing and 0 elsewhere
  bool missing_indicator = false;
  /// categorical: one more output after the categories, 1 where the cell is missing (no fill)
  bool missing_category = false;
  /// categorical: one output instead of the one-hot ones, the category's index 0..K-1; a missing
  /// cell (with a missing category) K; a category unseen in training K + missing_category, the
  /// last row of the column's embedding table, which stays 0 (see CategoricalEmbedding)
  bool embedded = false;

  /// How many of transform()'s outputs the column takes: numeric 1 (2 with the indicator),
  /// categorical one per category (and the missing one), or 1 embedded; ignored 0.
  size_t outputs() const;
};

/// Missing cells are filled first; numeric columns are then scaled (see Scaling), with the
/// statistics of the filled training column (of its present values under Impute::automatic,
/// whose indicator marks the filled ones); a std or scale of 0 counts as 1; categorical columns
/// become one output per category, in sorted order (numeric order when every category is a
/// number). Outputs follow the column order: a numeric column's value then its indicator, a
/// categorical column's categories then its missing category.
class Preprocessing {
 public:
  Preprocessing() = default;
  /// A pipeline of fitted columns (e.g. by a PreprocessingAccumulator), in feature order.
  Preprocessing(std::vector<ColumnInfo> columns, Scaling scaling)
      : columns_(std::move(columns)), scaling_(scaling) {}

  /// Fits on `rows` of `table`.
  static Preprocessing fit(const Table& table, std::span<const size_t> rows,
                           const TabularOptions& options);

  /// [rows.size(), output_features()]. A category not seen in training encodes as all zeros and
  /// adds one line per column to *warnings (if given).
  Tensor transform(const Table& table, std::span<const size_t> rows,
                   std::vector<std::string>* warnings = nullptr) const;

  size_t output_features() const;
  /// The outputs that hold numeric columns' scaled values (not indicators, not one-hot), in order.
  std::vector<int64_t> numeric_value_outputs() const;
  /// The outputs that hold embedded categorical columns' indices, in order.
  std::vector<int64_t> embedded_category_outputs() const;
  /// Each embedded column's table size: its categories, the missing one, and the unseen one.
  std::vector<int64_t> embedded_category_counts() const;
  Scaling scaling() const { return scaling_; }
  /// The input columns, in feature order; ignored columns are listed with kind ignored.
  const std::vector<ColumnInfo>& columns() const { return columns_; }

  std::string to_json() const;
  /// `source` names the text in errors (e.g. the model file).
  static Preprocessing from_json(std::string_view json, std::string_view source);

 private:
  std::vector<ColumnInfo> columns_;
  Scaling scaling_ = Scaling::standard;
};

/// The target column, encoded for a loss: class indices for classification, values for regression.
struct Target {
  Task task = Task::regression;
  std::string column;
  /// Classification: sorted, in numeric order when every label is an integer, else lexicographic.
  std::vector<std::string> classes;

  /// Classification: [rows] class indices as floats; regression: [rows, 1] values. A class that
  /// the training rows do not have is an error naming the file, line, column and class.
  Tensor encode(const Table& table, std::span<const size_t> rows) const;

  std::string to_json() const;
  static Target from_json(std::string_view json, std::string_view source);

  /// Fits on `rows` of `table`, inferring the task unless options.task is set: classification
  /// when a target cell is not a number, or all are integers with at most 20 distinct values.
  static Target fit(const Table& table, std::span<const size_t> rows,
                    const TabularOptions& options);
};

}  // namespace plexus::data
