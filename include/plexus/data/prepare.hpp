// Data prepared for training, in the order that keeps the test rows out of everything fitted: hold
// out the test rows (unless a test set is given), then the validation rows, then fit the task, the
// column kinds, the preprocessing and the target's encoding on the training rows alone, and turn
// every part into tensors. What `plexus train` does before it builds a network:
//
//   auto table = px::data::read_csv("houses.csv");
//   auto prepared = px::data::prepare_table(table, {.target = "price", .ignore = {"id"}});
//   // prepared.x_train, y_train, x_validation, y_validation, x_test, y_test
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "plexus/data/csv.hpp"
#include "plexus/data/tabular.hpp"
#include "plexus/tensor/tensor.hpp"

namespace plexus::data {

struct PrepareOptions {
  /// Held out as the test set when no test set is given (stratified for classification).
  double test_fraction = 0.2;
  /// Of the rows left for training, held out for validation (0: none).
  double validation_fraction = 0.1;
  /// Seeds the test split (seed) and the validation split (seed + 1).
  uint64_t seed = 0;
  /// Tables: the column of each row's sample weight (finite, non-negative numbers, not all 0 on
  /// the training rows), read into w_train, w_validation and w_test; not a feature. Empty: none.
  std::string weight_column;
};

/// Labelled arrays (IDX images, .npy): features [N, F] as loaded and labels [N].
struct Arrays {
  std::string name;  ///< the file or folder, for messages
  Tensor features;
  /// Label values; with class_names, indices into them.
  Tensor labels;
  /// The factor the loader already applied (1/255 for IDX images), 1 otherwise.
  float prescaled = 1.0f;
  std::vector<std::string> class_names;

  /// The class a label value names: class_names[label] when given, else the value itself with 9
  /// significant digits, as prepare_arrays names the classes.
  std::string class_name(float label) const;
};

struct PreparedData {
  Task task = Task::classification;
  std::vector<std::string> classes;   ///< classification: the output order
  std::vector<std::string> features;  ///< the raw inputs the model takes, in order
  /// Inputs [N, F] and targets (class indices [N], or values [N, 1]) of each part; validation
  /// and test are undefined when there are none.
  Tensor x_train, y_train, x_validation, y_validation, x_test, y_test;
  /// Each part's sample weights [N] from PrepareOptions::weight_column; undefined without one
  /// (w_test also when a test set given apart lacks the column).
  Tensor w_train, w_validation, w_test;
  std::string weight_column;  ///< the column they came from, or empty
  /// Tables: the fitted feature pipeline and target encoding.
  std::optional<Preprocessing> preprocessing;
  std::optional<Target> target;
  /// Arrays: every input value is multiplied by this (1/255 for 8-bit pixels).
  float scale = 1.0f;
  /// Positions of the test rows in the table they came from (the data, or the test table).
  std::vector<size_t> test_rows;
  /// Whether the test rows were held out of the data (false: a test set was given).
  bool test_held_out = false;
  bool stratified = false;
  /// Unseen categories in the test rows, one line each.
  std::vector<std::string> warnings;

  bool classification() const { return task == Task::classification; }
  bool has_validation() const { return x_validation.defined() && x_validation.shape(0) > 0; }
  bool has_test() const { return x_test.defined() && x_test.shape(0) > 0; }
};

/// One line per input column (its kind, scaling statistics, categories, and what a missing cell
/// becomes: the fill, plus the indicator or missing category of a column with gaps in training)
/// and one for the target, as plexus train prints them; for arrays, one line for all inputs.
std::vector<std::pair<std::string, std::string>> describe_columns(const PreparedData& data);

/// Prepares a table; `test`, if given, is the test set (else test_fraction of `table` is). The
/// split is stratified by the target's value when the target holds classes.
PreparedData prepare_table(const Table& table, const TabularOptions& columns,
                           const PrepareOptions& options = {}, const Table* test = nullptr);

/// Prepares arrays: classification for integer labels with at most 20 distinct values (unless
/// `task` says), 8-bit values scaled by 1/255; `test`, if given, is the test set.
PreparedData prepare_arrays(const Arrays& data, std::optional<Task> task,
                            const PrepareOptions& options = {}, const Arrays* test = nullptr);

}  // namespace plexus::data
