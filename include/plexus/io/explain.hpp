// Why a model predicts what it does, on raw columns: permutation importance on labelled rows,
// integrated-gradients attributions per row, and partial dependence with ICE curves. Every result
// is per source column: a one-hot column, or a column with its missing indicator, counts once.
// What `plexus explain`, `predict --explain` and `serve` ("explain": true) print.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "plexus/data/csv.hpp"
#include "plexus/io/model_file.hpp"
#include "plexus/tensor/tensor.hpp"

namespace plexus::io {

/// A source column and the preprocessed inputs it became: [first, first + width).
struct InputGroup {
  std::string column;
  int64_t first = 0, width = 1;
};

/// The model's inputs grouped by source column, in input order: a tabular model's columns
/// (ignored ones left out) by data::ColumnInfo::outputs(), an array model's features one each.
std::vector<InputGroup> input_groups(const Model& model);

/// The baseline of attributions, a preprocessed row [1, F]: the one stored in the model
/// (info.baseline, the mean preprocessed training row), else all zeros.
Tensor baseline_inputs(const Model& model);

struct ImportanceOptions {
  size_t repeats = 5;  ///< shuffles per column; the spread is their standard deviation
  uint64_t seed = 0;
};

struct ColumnImportance {
  std::string column;
  double importance = 0;  ///< the mean worsening of the metric over the repeats
  double std = 0;         ///< the population standard deviation of the repeats' worsening
};

struct PermutationImportance {
  /// "accuracy" (classification: importance = accuracy lost) or "rmse" (regression: importance
  /// = RMSE gained); either way, bigger means the model leans on the column more.
  std::string metric;
  double score = 0;                       ///< the metric on the rows as given
  std::vector<ColumnImportance> columns;  ///< most important first
};

/// Shuffles each column's preprocessed inputs together across rows (the same as shuffling the raw
/// column) `repeats` times and measures how much the metric worsens. inputs: [N, F] from
/// Model::inputs; targets: Model::targets (class indices [N] or values [N, 1]).
PermutationImportance permutation_importance(Model& model, const Tensor& inputs,
                                             const Tensor& targets,
                                             const ImportanceOptions& options = {});

struct AttributionOptions {
  /// A piecewise linear network (Linear, ReLU, LeakyReLU, and BatchNorm1d, Dropout, FeatureScale
  /// in eval mode, in Sequentials) is integrated exactly: its gradient is constant between the
  /// points of the path where a unit switches, found layer by layer (at most max_steps pieces).
  bool exact_pieces = true;
  /// Other networks, or a row the exact rule leaves outside `tolerance`: trapezoid-rule
  /// intervals along the path to start with, halved (up to max_steps intervals) until every
  /// row's attributions sum to f(x) - f(baseline) within `tolerance`.
  size_t steps = 16;
  size_t max_steps = 16384;
  /// Relative to |f(x) - f(baseline)|, or to 0.01 where the difference is smaller.
  double tolerance = 1e-3;
};

/// Integrated gradients: attribution_i = (x_i - b_i) * mean over the path b + a (x - b) of
/// df/dx_i, summed over each source column's inputs. f is the predicted class's logit
/// (classification: the network's output for the class predicted at x) or the predicted value
/// (regression: output 0). Completeness: a row's attributions sum to f(x) - f(baseline).
struct Attributions {
  std::vector<std::string> columns;         ///< the source columns, as input_groups() orders them
  std::vector<std::vector<double>> values;  ///< [N][columns]
  std::vector<double> output;               ///< f(x) per row
  std::vector<double> baseline_output;      ///< f(baseline) per row (its class may differ per row)
  std::vector<int64_t> explained_output;    ///< the output index f reads, per row
  size_t steps = 0;              ///< the most steps (exact rule: linear pieces) a row needed
  size_t exact_rows = 0;         ///< rows integrated exactly over their linear pieces
  double worst_gap = 0;          ///< the largest relative completeness gap left
  bool stored_baseline = false;  ///< false: an old model file without one, all zeros used
};

/// Attributions of `inputs` [N, F] (from Model::inputs). Exact rule: forward passes of the path's
/// knots layer by layer, then the pieces' gradients taken back by hand. Trapezoid rule: the path
/// points of a row go through the network together, [steps + 1, F] in one forward and one
/// backward pass, f(x) and f(baseline) being its ends.
Attributions integrated_gradients(Model& model, const Tensor& inputs,
                                  const AttributionOptions& options = {});

struct DependenceOptions {
  size_t grid = 12;      ///< numeric columns: quantiles of the rows' values (fewer if repeated)
  size_t ice_rows = 40;  ///< ICE curves kept, the first rows of the table
};

/// Partial dependence and ICE of one column of a tabular model: the column set to each grid value
/// in every row. f is the probability of `output_name`'s class (binary: the second class;
/// more classes: the class predicted most often) or the predicted value.
struct PartialDependence {
  std::string column;
  bool categorical = false;
  std::vector<std::string> grid;         ///< the values the column took, as cells
  std::vector<double> grid_values;       ///< numeric: the same as numbers
  std::vector<double> average;           ///< the partial dependence, per grid value
  std::vector<std::vector<double>> ice;  ///< [ice_rows][grid]
  std::string output_name;               ///< "probability of <class>" or "prediction"
};

PartialDependence partial_dependence(Model& model, const data::Table& table,
                                     const std::string& column,
                                     const DependenceOptions& options = {});

}  // namespace plexus::io
