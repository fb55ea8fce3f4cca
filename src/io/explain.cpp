// Explanations of a loaded model on its preprocessed inputs, grouped back to source columns.
// Integrated gradients of a piecewise linear network are exact: forward passes of the path's knots
// layer by layer, and the pieces' gradients taken back by hand; other networks batch a row's path
// points into one forward and backward pass of [steps, F] (the trapezoid rule). Permutation
// importance and partial dependence only run forward passes.
// N = rows, F = preprocessed inputs, K = network outputs, G = grid values, M = path steps.
#include "plexus/io/explain.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <numeric>

#include "base/check.hpp"
#include "io/linear_pieces.hpp"
#include "plexus/tensor/random.hpp"

namespace plexus::io {
namespace {

/// The model's parameters need no gradient while attributions are computed (only the inputs'
/// are read); their flags are restored after.
class FrozenParameters {
 public:
  explicit FrozenParameters(nn::Module& network) : parameters_(network.parameters()) {
    for (const auto& p : parameters_) {
      was_required_.push_back(p.needs_grad());
      p.requires_grad(false);
    }
  }
  ~FrozenParameters() {
    for (size_t i = 0; i < parameters_.size(); ++i) parameters_[i].requires_grad(was_required_[i]);
  }
  FrozenParameters(const FrozenParameters&) = delete;
  FrozenParameters& operator=(const FrozenParameters&) = delete;

 private:
  std::vector<Tensor> parameters_;
  std::vector<bool> was_required_;
};

/// Accuracy of a classifier's outputs [N, K] against class indices [N], or RMSE of a regressor's
/// against values [N, K].
double score(const Tensor& outputs, const Tensor& targets, bool classification) {
  const int64_t n = outputs.shape(0), k = outputs.shape(1);
  const float* o = outputs.data();
  const float* t = targets.data();
  double total = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (classification) {
      const float* row = o + i * k;
      total += static_cast<double>(std::max_element(row, row + k) - row) == t[i];
    } else {
      for (int64_t j = 0; j < k; ++j) total += std::pow(o[i * k + j] - t[i * k + j], 2.0);
    }
  }
  return classification ? total / std::max<int64_t>(n, 1)
                        : std::sqrt(total / std::max<int64_t>(n * k, 1));
}

/// Copies of `inputs` with the columns [first, first + width) of every row moved to another row.
void shuffle_block(Tensor& x, const InputGroup& group, Generator& generator) {
  const int64_t n = x.shape(0), f = x.shape(1);
  float* p = x.data();
  for (int64_t i = n - 1; i > 0; --i) {
    const auto j = static_cast<int64_t>(generator.below(static_cast<uint64_t>(i + 1)));
    for (int64_t c = group.first; c < group.first + group.width; ++c)
      std::swap(p[i * f + c], p[j * f + c]);
  }
}

/// Adds, per preprocessed input, weights[s] times the gradient of output `target` at the path
/// points b + alphas[s] (x - b), kPathRows points per forward and backward pass. A `target` of
/// -1 is chosen after the first forward pass: the argmax of its last point's outputs (alpha 1,
/// that is x), for a classifier. Returns the outputs of the first pass [P, K] (f(b) and f(x)
/// where its alphas run from 0 to 1).
Tensor add_path_gradients(nn::Module& network, const float* x, const float* b, int64_t f,
                          const std::vector<double>& alphas, const std::vector<double>& weights,
                          bool classification, int64_t& target, std::vector<double>& sums) {
  constexpr int64_t kPathRows = 2048;
  const auto points = static_cast<int64_t>(alphas.size());
  Tensor first_outputs;
  for (int64_t begin = 0; begin < points; begin += kPathRows) {
    const int64_t rows = std::min(kPathRows, points - begin);
    Tensor path = Tensor::empty({rows, f});
    float* p = path.data();
    for (int64_t s = 0; s < rows; ++s)
      for (int64_t i = 0; i < f; ++i)
        p[s * f + i] = static_cast<float>(b[i] + alphas[begin + s] * (x[i] - b[i]));
    path.requires_grad(true);
    const Tensor outputs = network.forward(path);
    const int64_t k = outputs.shape(1);
    if (target < 0) {
      const float* last = outputs.data() + (rows - 1) * k;
      target = classification ? std::max_element(last, last + k) - last : 0;
    }
    if (begin == 0) first_outputs = outputs.detach();
    Tensor pick = Tensor::zeros({rows, k});
    for (int64_t s = 0; s < rows; ++s)
      pick.data()[s * k + target] = static_cast<float>(weights[begin + s]);
    outputs.backward(pick);
    const float* grad = path.grad().data();
    for (int64_t s = 0; s < rows; ++s)
      for (int64_t i = 0; i < f; ++i) sums[static_cast<size_t>(i)] += grad[s * f + i];
  }
  return first_outputs;
}

/// One row's integrated gradients per preprocessed input, and how well they add up.
struct RowAttribution {
  std::vector<double> per_input;
  double fx = 0, fb = 0;
  int64_t target = -1;
  size_t steps = 0;
  double gap = std::numeric_limits<double>::infinity();  ///< relative to max(|f(x) - f(b)|, 0.01)
};

/// Sets per_input to sums * (x - b) * scale and gap to how far they are from adding up.
void finish_row(RowAttribution& row, const std::vector<double>& sums, const float* x,
                const float* b, double scale) {
  row.per_input.resize(sums.size());
  for (size_t i = 0; i < sums.size(); ++i)
    row.per_input[i] = sums[i] * (static_cast<double>(x[i]) - b[i]) * scale;
  const double total = std::accumulate(row.per_input.begin(), row.per_input.end(), 0.0);
  row.gap = std::abs(total - (row.fx - row.fb)) / std::max(std::abs(row.fx - row.fb), 0.01);
}

/// The exact rule (io/linear_pieces.hpp); a network that is not piecewise linear gets an
/// infinite gap.
RowAttribution exact_row(nn::Module& network, const float* x, const float* b, int64_t f,
                         bool classification, const AttributionOptions& options) {
  RowAttribution row;
  const auto integral =
      integrate_linear_pieces(network, x, b, f, classification, options.max_steps);
  if (!integral) return row;
  row.fx = integral->fx;
  row.fb = integral->fb;
  row.target = integral->target;
  row.steps = integral->pieces;
  finish_row(row, integral->gradient_sums, x, b, 1.0);
  return row;
}

/// The trapezoid rule over `steps` intervals, then halved intervals (each halving adds only the
/// new midpoints), until the attributions add up to f(x) - f(b) or max_steps is reached.
RowAttribution trapezoid_row(nn::Module& network, const float* x, const float* b, int64_t f,
                             bool classification, const AttributionOptions& options) {
  RowAttribution row;
  row.steps = options.steps;
  std::vector<double> alphas, weights, sums(static_cast<size_t>(f), 0.0);
  for (size_t j = 0; j <= row.steps; ++j) {
    alphas.push_back(static_cast<double>(j) / row.steps);
    weights.push_back(j == 0 || j == row.steps ? 0.5 : 1.0);
  }
  const Tensor ends =
      add_path_gradients(network, x, b, f, alphas, weights, classification, row.target, sums);
  const int64_t k = ends.shape(1);
  row.fb = ends.data()[row.target];
  row.fx = ends.data()[static_cast<int64_t>(row.steps) * k + row.target];
  for (;;) {
    finish_row(row, sums, x, b, 1.0 / static_cast<double>(row.steps));
    if (row.gap <= options.tolerance || row.steps * 2 > options.max_steps) return row;
    alphas.clear();
    for (size_t j = 0; j < row.steps; ++j)
      alphas.push_back((j + 0.5) / static_cast<double>(row.steps));
    weights.assign(alphas.size(), 1.0);
    add_path_gradients(network, x, b, f, alphas, weights, classification, row.target, sums);
    row.steps *= 2;
  }
}

/// The class whose probability partial dependence follows: the second of two, else the one
/// predicted most often.
int64_t dependence_class(const Tensor& outputs) {
  const int64_t n = outputs.shape(0), k = outputs.shape(1);
  if (k == 2) return 1;
  std::vector<size_t> counts(static_cast<size_t>(k), 0);
  for (int64_t i = 0; i < n; ++i) {
    const float* row = outputs.data() + i * k;
    ++counts[static_cast<size_t>(std::max_element(row, row + k) - row)];
  }
  return std::max_element(counts.begin(), counts.end()) - counts.begin();
}

/// Numeric grid: the distinct quantiles of the column's numeric cells, as the cells' own text.
std::vector<std::string> quantile_grid(const data::Table& table, int column, size_t grid) {
  std::vector<std::pair<double, std::string>> values;
  for (size_t r = 0; r < table.rows(); ++r) {
    const std::string cell(table.cell(r, static_cast<size_t>(column)));
    char* end = nullptr;
    const double v = std::strtod(cell.c_str(), &end);
    if (!cell.empty() && *end == '\0' && std::isfinite(v)) values.emplace_back(v, cell);
  }
  PLEXUS_CHECK(!values.empty(), table.source(), ": column \"", table.columns()[column],
               "\" has no numbers to draw a partial dependence over");
  std::sort(values.begin(), values.end());
  std::vector<std::string> out;
  double last = std::nan("");
  for (size_t g = 0; g < grid; ++g) {
    const double q = grid == 1 ? 0.5 : 0.05 + 0.9 * static_cast<double>(g) / (grid - 1);
    const auto& [v, text] = values[static_cast<size_t>(q * (values.size() - 1) + 0.5)];
    if (v != last) out.push_back(text);
    last = v;
  }
  return out;
}

}  // namespace

std::vector<InputGroup> input_groups(const Model& model) {
  std::vector<InputGroup> groups;
  if (!model.info.input.tabular) {
    for (size_t i = 0; i < model.info.features.size(); ++i)
      groups.push_back({model.info.features[i], static_cast<int64_t>(i), 1});
    return groups;
  }
  int64_t first = 0;
  for (const auto& column : model.info.input.tabular->columns()) {
    const auto width = static_cast<int64_t>(column.outputs());
    if (width == 0) continue;
    groups.push_back({column.name, first, width});
    first += width;
  }
  return groups;
}

Tensor baseline_inputs(const Model& model) {
  const auto& stored = model.info.baseline;
  if (!stored.empty()) return Tensor::from(stored, {1, static_cast<int64_t>(stored.size())});
  int64_t f = 0;
  for (const auto& group : input_groups(model)) f += group.width;
  return Tensor::zeros({1, f});
}

namespace {

// The explanations score one output per row; a quantile regressor gives several.
void require_one_output(const Model& model, const char* what) {
  PLEXUS_CHECK(!model.quantile_regressor(), what, ": the model predicts ",
               model.info.quantiles.size(),
               " quantiles; explanations score one output (train without --quantiles to explain "
               "a prediction)");
}

}  // namespace

PermutationImportance permutation_importance(Model& model, const Tensor& inputs,
                                             const Tensor& targets,
                                             const ImportanceOptions& options) {
  require_one_output(model, "permutation_importance");
  PLEXUS_CHECK(options.repeats >= 1, "permutation_importance: repeats must be at least 1");
  PLEXUS_CHECK(inputs.shape(0) == targets.shape(0), "permutation_importance: ", inputs.shape(0),
               " rows of inputs but ", targets.shape(0), " targets");
  const bool classification = model.task() == data::Task::classification;
  PermutationImportance out;
  out.metric = classification ? "accuracy" : "rmse";
  out.score = score(model.forward(inputs), targets, classification);
  Generator generator(options.seed);
  for (const auto& group : input_groups(model)) {
    std::vector<double> worsening;
    for (size_t r = 0; r < options.repeats; ++r) {
      Tensor shuffled = inputs.clone();
      shuffle_block(shuffled, group, generator);
      const double s = score(model.forward(shuffled), targets, classification);
      worsening.push_back(classification ? out.score - s : s - out.score);
    }
    const double mean = std::accumulate(worsening.begin(), worsening.end(), 0.0) /
                        static_cast<double>(worsening.size());
    double variance = 0;
    for (const double w : worsening) variance += (w - mean) * (w - mean);
    out.columns.push_back(
        {group.column, mean, std::sqrt(variance / static_cast<double>(worsening.size()))});
  }
  std::stable_sort(out.columns.begin(), out.columns.end(),
                   [](const auto& a, const auto& b) { return a.importance > b.importance; });
  return out;
}

Attributions integrated_gradients(Model& model, const Tensor& inputs,
                                  const AttributionOptions& options) {
  require_one_output(model, "integrated_gradients");
  PLEXUS_CHECK(options.steps >= 1 && options.steps < 2048 && options.max_steps >= options.steps,
               "integrated_gradients: steps must be in [1, 2047] and at most max_steps");
  // An embedded column's input is a row of its table: no path runs between two rows.
  if (model.info.input.tabular)
    for (const auto& column : model.info.input.tabular->columns())
      PLEXUS_CHECK(!column.embedded, "integrated_gradients: column \"", column.name, "\" has ",
                   column.categories.size(),
                   " categories, embedded (a learned vector each): attributions need inputs "
                   "that vary continuously; train with --embed-categories-above 0 (one-hot) to "
                   "attribute its rows (permutation importance, plexus explain --data, works as "
                   "it is)");
  const Tensor baseline = baseline_inputs(model);
  const int64_t n = inputs.shape(0), f = inputs.shape(1);
  PLEXUS_CHECK(baseline.shape(1) == f, "integrated_gradients: the model's baseline has ",
               baseline.shape(1), " inputs but the rows have ", f);
  const bool classification = model.task() == data::Task::classification;
  const auto groups = input_groups(model);

  Attributions out;
  out.stored_baseline = !model.info.baseline.empty();
  for (const auto& group : groups) out.columns.push_back(group.column);
  FrozenParameters frozen(model.network);
  model.network.eval();
  const float* b = baseline.data();
  for (int64_t r = 0; r < n; ++r) {
    const float* x = inputs.data() + r * f;
    RowAttribution row;
    if (options.exact_pieces) row = exact_row(model.network, x, b, f, classification, options);
    if (row.gap <= options.tolerance)
      ++out.exact_rows;
    else
      row = trapezoid_row(model.network, x, b, f, classification, options);
    const std::vector<double>& per_input = row.per_input;
    std::vector<double> per_column;
    for (const auto& group : groups)
      per_column.push_back(std::accumulate(per_input.begin() + group.first,
                                           per_input.begin() + group.first + group.width, 0.0));
    out.values.push_back(std::move(per_column));
    out.output.push_back(row.fx);
    out.baseline_output.push_back(row.fb);
    out.explained_output.push_back(row.target);
    out.steps = std::max(out.steps, row.steps);
    out.worst_gap = std::max(out.worst_gap, row.gap);
  }
  return out;
}

PartialDependence partial_dependence(Model& model, const data::Table& table,
                                     const std::string& column, const DependenceOptions& options) {
  require_one_output(model, "partial_dependence");
  PLEXUS_CHECK(model.info.input.tabular,
               "partial_dependence: the model was not trained on a table");
  PLEXUS_CHECK(table.rows() > 0, table.source(), ": no rows to draw a partial dependence over");
  const auto groups = input_groups(model);
  const auto group = std::find_if(groups.begin(), groups.end(),
                                  [&](const InputGroup& g) { return g.column == column; });
  PLEXUS_CHECK(group != groups.end(), "partial_dependence: \"", column,
               "\" is not one of the model's columns");
  const auto& info = *std::find_if(model.info.input.tabular->columns().begin(),
                                   model.info.input.tabular->columns().end(),
                                   [&](const data::ColumnInfo& c) { return c.name == column; });

  PartialDependence out;
  out.column = column;
  out.categorical = info.kind == data::ColumnKind::categorical;
  const int col = table.column_index(column);
  out.grid = out.categorical ? info.categories : quantile_grid(table, col, options.grid);
  for (const auto& cell : out.grid)
    out.grid_values.push_back(out.categorical ? std::nan("") : std::strtod(cell.c_str(), nullptr));

  // Each grid value's encoding: the first row with the column set to it, preprocessed.
  std::vector<std::vector<std::string>> cells;
  for (const auto& value : out.grid) {
    std::vector<std::string> row;
    for (size_t c = 0; c < table.cols(); ++c)
      row.emplace_back(static_cast<int>(c) == col ? std::string_view(value) : table.cell(0, c));
    cells.push_back(std::move(row));
  }
  const Tensor encoded = model.preprocess(data::Table("grid", table.columns(), cells));
  const Tensor inputs = model.preprocess(table);
  const int64_t n = inputs.shape(0), f = inputs.shape(1);

  const bool classification = model.task() == data::Task::classification;
  const int64_t cls = classification ? dependence_class(model.forward(inputs)) : 0;
  out.output_name = classification ? "probability of " + model.info.classes.at(cls) : "prediction";
  const size_t ice_rows = std::min(options.ice_rows, static_cast<size_t>(n));
  out.ice.assign(ice_rows, {});
  for (size_t g = 0; g < out.grid.size(); ++g) {
    Tensor x = inputs.clone();
    for (int64_t r = 0; r < n; ++r)
      for (int64_t c = 0; c < group->width; ++c)
        x.data()[r * f + group->first + c] =
            encoded.data()[static_cast<int64_t>(g) * f + group->first + c];
    Tensor y = model.forward(x);
    if (classification) y = model.probabilities(y);
    const int64_t k = y.shape(1);
    double total = 0;
    for (int64_t r = 0; r < n; ++r) {
      const double value = y.data()[r * k + cls];
      total += value;
      if (static_cast<size_t>(r) < ice_rows) out.ice[static_cast<size_t>(r)].push_back(value);
    }
    out.average.push_back(total / static_cast<double>(n));
  }
  return out;
}

}  // namespace plexus::io
