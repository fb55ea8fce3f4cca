// Tabular data for a network: the feature pipeline (impute missing cells, standardise numeric
// columns, one-hot encode categorical ones) and the target's encoding (class indices or values).
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
#include <vector>

#include "plexus/data/csv.hpp"
#include "plexus/tensor/tensor.hpp"

namespace plexus::data {

enum class Task { classification, regression };
enum class ColumnKind { numeric, categorical, ignored };
/// How missing cells (empty, NA, N/A, NaN, null in any case) are filled: none makes them errors;
/// mean and median fill numeric columns (categorical ones take the most frequent category);
/// most_frequent fills either kind with its most frequent training value (the smallest on ties).
enum class Impute { none, mean, median, most_frequent };

struct TabularOptions {
  std::string target;                    ///< name or 0-based index; empty = the last column
  std::vector<std::string> features;     ///< empty = every column but the target and ignored ones
  std::vector<std::string> ignore;       ///< columns not used at all (ids, free text)
  std::vector<std::string> categorical;  ///< columns one-hot encoded even if they look numeric
  Impute impute = Impute::none;
  std::optional<Task> task;  ///< unset = classification for text or <= 20 distinct integers
};

struct ColumnInfo {
  std::string name;
  ColumnKind kind;
  double mean = 0, std = 1;             ///< numeric: the training mean and population std
  std::vector<std::string> categories;  ///< categorical: the one-hot order
  std::optional<std::string> fill;      ///< the value a missing cell takes, as text
};

/// Missing cells are filled first; numeric columns then become (x - mean) / std, with the mean and
/// std of the filled training column (std 0 counts as 1); categorical columns become one output
/// per category, in sorted order (numeric order when every category is a number).
class Preprocessing {
 public:
  /// Fits on `rows` of `table`.
  static Preprocessing fit(const Table& table, std::span<const size_t> rows,
                           const TabularOptions& options);

  /// [rows.size(), output_features()]. A category not seen in training encodes as all zeros and
  /// adds one line per column to *warnings (if given).
  Tensor transform(const Table& table, std::span<const size_t> rows,
                   std::vector<std::string>* warnings = nullptr) const;

  size_t output_features() const;
  /// The positions in transform()'s output of the numeric columns' values.
  std::vector<int64_t> numeric_value_outputs() const;
  /// The input columns, in feature order; ignored columns are listed with kind ignored.
  const std::vector<ColumnInfo>& columns() const { return columns_; }

  std::string to_json() const;
  /// `source` names the text in errors (e.g. the model file).
  static Preprocessing from_json(std::string_view json, std::string_view source);

 private:
  std::vector<ColumnInfo> columns_;
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
