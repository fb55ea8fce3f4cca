// prepare_table and prepare_arrays: split first, fit on the training rows only, then encode.
#include "plexus/data/prepare.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

#include "base/check.hpp"
#include "data/cells.hpp"
#include "data/tabular_detail.hpp"
#include "plexus/base/text.hpp"
#include "plexus/data/split.hpp"

namespace plexus::data {
namespace {

// Array inputs with at most this many distinct integer labels are classified.
constexpr size_t kMaxClassesForIntegers = 20;

std::vector<size_t> first_rows(size_t n) {
  std::vector<size_t> rows(n);
  std::iota(rows.begin(), rows.end(), size_t{0});
  return rows;
}

std::vector<int64_t> pick(const std::vector<int64_t>& values, const std::vector<size_t>& rows) {
  std::vector<int64_t> out;
  out.reserve(rows.size());
  for (const size_t row : rows) out.push_back(values[row]);
  return out;
}

Tensor take_rows(const Tensor& x, const std::vector<size_t>& rows) {
  const int64_t width = x.rank() == 1 ? 1 : x.shape(1);
  const auto n = static_cast<int64_t>(rows.size());
  Tensor out = x.rank() == 1 ? Tensor::empty({n}) : Tensor::empty({n, width});
  for (size_t i = 0; i < rows.size(); ++i)
    std::copy_n(x.data() + rows[i] * width, width, out.data() + i * width);
  return out;
}

/// The class of each row by the target cell's text, for stratifying; empty unless the target
/// holds classes (the rule Target::fit infers the task by, or the task given).
/// Indexed by row; a row not in `labelled` has none (-1).
std::vector<int64_t> table_strata(const Table& table, const std::vector<size_t>& labelled,
                                  const TabularOptions& columns) {
  const Target whole = Target::fit(table, labelled, columns);
  if (whole.task != Task::classification) return {};
  const int col = table.column_index(whole.column);
  std::map<std::string_view, int64_t> ids;
  std::vector<int64_t> strata(table.rows(), -1);
  for (const size_t row : labelled)
    strata[row] = ids.emplace(table.cell(row, col), static_cast<int64_t>(ids.size())).first->second;
  return strata;
}

/// The rows whose target cell holds a value. One without can be neither learned from nor scored:
/// it is left out, and a line added to `warnings` names the first few.
std::vector<size_t> labelled_rows(const Table& table, const TabularOptions& columns,
                                  std::vector<std::string>& warnings) {
  const size_t col = internal::target_index(table, columns);
  std::vector<size_t> rows, unlabelled;
  for (size_t row = 0; row < table.rows(); ++row)
    (internal::is_missing(table.cell(row, col)) ? unlabelled : rows).push_back(row);
  if (unlabelled.empty()) return rows;
  PLEXUS_CHECK(!rows.empty(), table.source(), ": no row has a value in the target column '",
               table.columns()[col], "'");
  constexpr size_t kNamed = 5;
  std::string lines;
  for (size_t i = 0; i < std::min(kNamed, unlabelled.size()); ++i)
    lines += (i ? ", " : "") + std::to_string(table.line(unlabelled[i]));
  if (unlabelled.size() > kNamed) lines += ", ...";
  warnings.push_back(table.source() + ": " + std::to_string(unlabelled.size()) + " of " +
                     std::to_string(table.rows()) + " rows have no value in the target column '" +
                     table.columns()[col] + "' (line " + lines + "): left out");
  return rows;
}

/// The weight column's cells at `rows` as numbers [rows]; a cell that is not a finite
/// non-negative number is an error naming the file, line and column.
Tensor read_weights(const Table& table, int col, const std::vector<size_t>& rows) {
  Tensor weights = Tensor::empty({static_cast<int64_t>(rows.size())});
  const auto c = static_cast<size_t>(col);
  for (size_t i = 0; i < rows.size(); ++i) {
    const internal::Cell cell = internal::parse_cell(table.cell(rows[i], c));
    if (cell.kind != internal::CellKind::number || cell.value < 0)
      internal::cell_error(table, rows[i], c, ": the weight '", table.cell(rows[i], c),
                           "' is not a finite non-negative number");
    weights.data()[i] = static_cast<float>(cell.value);
  }
  return weights;
}

std::string kind_name(ColumnKind kind) {
  switch (kind) {
    case ColumnKind::numeric:
      return "numeric";
    case ColumnKind::categorical:
      return "categorical";
    default:
      return "ignored";
  }
}

}  // namespace

std::string Arrays::class_name(float label) const {
  return class_names.empty() ? number_text(label) : class_names.at(static_cast<size_t>(label));
}

std::vector<std::pair<std::string, std::string>> describe_columns(const PreparedData& data) {
  std::vector<std::pair<std::string, std::string>> rows;
  if (!data.preprocessing) {
    rows.emplace_back("inputs", std::to_string(data.features.size()) +
                                    " numeric values, scaled by " + number_text(data.scale));
    return rows;
  }
  for (const auto& column : data.preprocessing->columns()) {
    std::string what = kind_name(column.kind);
    const bool robust = data.preprocessing->scaling() == Scaling::robust;
    if (column.kind == ColumnKind::numeric && robust) {
      what += " (median " + number_text(column.median) + ", scale " + number_text(column.scale) +
              ", smooth clip)";
    } else if (column.kind == ColumnKind::numeric) {
      what += " (mean " + number_text(column.mean) + ", std " + number_text(column.std) + ")";
    } else if (column.kind == ColumnKind::categorical) {
      what += " (" + std::to_string(column.categories.size()) +
              " categories: " + join(column.categories, 8) + ")";
      if (column.embedded)
        what += ", embedded: one index input for a learned vector, unseen categories -> zeros";
    }
    // Only --impute auto adds an indicator or a missing category, and it fills with the median.
    if (column.missing_indicator) {
      what += "; gaps in training: filled with the median " + column.fill.value_or("") +
              ", plus a missing indicator";
    } else if (column.missing_category) {
      what += "; gaps in training: a missing category";
    } else if (column.fill) {
      what += ", missing -> " + *column.fill;
    }
    rows.emplace_back(column.name, what);
  }
  rows.emplace_back(
      data.target->column,
      "target (" + std::string(data.classification() ? "classification" : "regression") + ")");
  return rows;
}

PreparedData prepare_table(const Table& table, const TabularOptions& columns,
                           const PrepareOptions& options, const Table* test) {
  PLEXUS_CHECK(table.rows() > 0, table.source(), ": no data rows");
  PreparedData out;
  const std::vector<size_t> all = labelled_rows(table, columns, out.warnings);
  const std::vector<int64_t> strata = table_strata(table, all, columns);
  out.stratified = !strata.empty();
  std::vector<size_t> train_rows = all;
  if (!test) {
    RowSplit split = split_rows(all, options.test_fraction, options.seed,
                                strata.empty() ? strata : pick(strata, all));
    train_rows = std::move(split.kept);
    out.test_rows = std::move(split.held_out);
    out.test_held_out = true;
  }
  RowSplit fit = {train_rows, {}};
  if (options.validation_fraction > 0)
    fit = split_rows(train_rows, options.validation_fraction, options.seed + 1,
                     strata.empty() ? std::vector<int64_t>{} : pick(strata, train_rows));
  PLEXUS_CHECK(!fit.kept.empty(), table.source(), ": too few rows to train on");

  // Fitted on the training rows only: the task and classes on all of them, the column kinds and
  // the preprocessing on those left after validation.
  Target target = Target::fit(table, train_rows, columns);
  TabularOptions fitted = columns;
  fitted.task = target.task;
  if (!options.weight_column.empty()) {
    const int col = table.column_index(options.weight_column);
    out.weight_column = table.columns()[static_cast<size_t>(col)];
    fitted.ignore.push_back(out.weight_column);
    out.w_train = read_weights(table, col, fit.kept);
    bool any = false;
    for (size_t i = 0; i < out.w_train.numel() && !any; ++i) any = out.w_train.data()[i] > 0;
    PLEXUS_CHECK(any, table.source(), ": every training row has weight 0 in column '",
                 out.weight_column, "'; nothing to train on");
    if (!fit.held_out.empty()) out.w_validation = read_weights(table, col, fit.held_out);
  }
  Preprocessing preprocessing = Preprocessing::fit(table, fit.kept, fitted);
  for (std::string& note : internal::column_notes(preprocessing, fitted, table.source()))
    out.warnings.push_back(std::move(note));
  out.task = target.task;
  out.classes = target.classes;
  out.x_train = preprocessing.transform(table, fit.kept);
  out.y_train = target.encode(table, fit.kept);
  if (!fit.held_out.empty()) {
    out.x_validation = preprocessing.transform(table, fit.held_out);
    out.y_validation = target.encode(table, fit.held_out);
  }
  const Table& test_table = test ? *test : table;
  if (test) {
    // By the training target's name: the test file's last column need not be it.
    TabularOptions by_name = columns;
    by_name.target = target.column;
    out.test_rows = labelled_rows(*test, by_name, out.warnings);
  }
  if (!out.test_rows.empty()) {
    out.x_test = preprocessing.transform(test_table, out.test_rows, &out.warnings);
    out.y_test = target.encode(test_table, out.test_rows);
    const auto& names = test_table.columns();
    if (!out.weight_column.empty() &&
        std::find(names.begin(), names.end(), out.weight_column) != names.end())
      out.w_test =
          read_weights(test_table, test_table.column_index(out.weight_column), out.test_rows);
  }
  for (const auto& column : preprocessing.columns())
    if (column.kind != ColumnKind::ignored) out.features.push_back(column.name);
  out.preprocessing = std::move(preprocessing);
  out.target = std::move(target);
  return out;
}

PreparedData prepare_arrays(const Arrays& data, std::optional<Task> task,
                            const PrepareOptions& options, const Arrays* test) {
  PLEXUS_CHECK(data.features.defined() && data.features.rank() == 2, data.name,
               ": features must be a table of numbers [rows, features]");
  PLEXUS_CHECK(data.labels.defined(), data.name, ": no labels");
  PLEXUS_CHECK(options.weight_column.empty(), data.name,
               ": a weight column needs CSV data (arrays have no columns)");
  const int64_t n = data.features.shape(0);
  const int64_t width = data.features.shape(1);
  PLEXUS_CHECK(n > 0, data.name, ": no rows");
  PLEXUS_CHECK(static_cast<int64_t>(data.labels.numel()) == n, data.name, ": ", data.labels.numel(),
               " labels for ", n, " rows");
  PreparedData out;
  // The task: classification for integer labels with at most 20 distinct values.
  const float* y = data.labels.data();
  std::set<float> distinct;
  bool integral = true;
  for (int64_t i = 0; i < n; ++i) {
    PLEXUS_CHECK(std::isfinite(y[i]), data.name, ": label ", i, " is not finite");
    integral = integral && y[i] == std::round(y[i]);
    if (distinct.size() <= kMaxClassesForIntegers + 1) distinct.insert(y[i]);
  }
  out.task =
      task.value_or(integral && distinct.size() <= kMaxClassesForIntegers ? Task::classification
                                                                          : Task::regression);
  PLEXUS_CHECK(!out.classification() || integral, data.name,
               ": classification needs integer labels");
  // IDX images come in [0, 1] (the pipeline applies 1/255 to raw pixels); arrays of 8-bit values
  // are scaled by 1/255 as well.
  Tensor x = data.features;
  out.scale = data.prescaled;
  if (data.prescaled == 1.0f) {
    const float* v = x.data();
    bool bytes = true;
    float max = 0;
    for (size_t i = 0; i < x.numel() && bytes; ++i) {
      bytes = v[i] >= 0 && v[i] <= 255 && v[i] == std::round(v[i]);
      max = std::max(max, v[i]);
    }
    if (bytes && max > 1) {
      out.scale = 1.0f / 255.0f;
      x = x.clone();
      for (size_t i = 0; i < x.numel(); ++i) x.data()[i] *= out.scale;
    }
  }
  const char* prefix = data.prescaled != 1.0f ? "pixel" : "x";
  for (int64_t i = 0; i < width; ++i) out.features.push_back(prefix + std::to_string(i));

  // Class indices: named labels index their names; other labels name classes by value.
  const std::vector<float> values(distinct.begin(), distinct.end());
  if (out.classification()) {
    PLEXUS_CHECK(distinct.size() <= kMaxClassesForIntegers || !data.class_names.empty(), data.name,
                 ": more than 20 classes; pass --task regression for values");
    if (!data.class_names.empty())
      out.classes = data.class_names;
    else
      for (const float v : values) out.classes.push_back(number_text(v));
  }
  auto class_of = [&](float v) -> int64_t {
    if (!data.class_names.empty())
      return v >= 0 && v == std::round(v) && static_cast<size_t>(v) < out.classes.size()
                 ? static_cast<int64_t>(v)
                 : -1;
    auto it = std::find(values.begin(), values.end(), v);
    return it == values.end() ? -1 : static_cast<int64_t>(it - values.begin());
  };
  std::vector<int64_t> classes;
  Tensor targets = data.labels.reshape({n, 1});
  if (out.classification()) {
    targets = Tensor::empty({n});
    for (int64_t i = 0; i < n; ++i) {
      classes.push_back(class_of(y[i]));
      PLEXUS_CHECK(classes.back() >= 0, data.name, ": label ", number_text(y[i]), " out of range");
      targets.data()[i] = static_cast<float>(classes.back());
    }
  }
  out.stratified = out.classification();

  std::vector<size_t> train_rows = first_rows(static_cast<size_t>(n));
  if (!test) {
    RowSplit split = split_rows(train_rows, options.test_fraction, options.seed, classes);
    train_rows = std::move(split.kept);
    out.test_rows = std::move(split.held_out);
    out.test_held_out = true;
    out.x_test = take_rows(x, out.test_rows);
    out.y_test = take_rows(targets, out.test_rows);
  } else {
    PLEXUS_CHECK(test->labels.defined(), test->name,
                 ": the test set must be labelled arrays like the data");
    PLEXUS_CHECK(test->features.shape(1) == width, test->name, ": ", test->features.shape(1),
                 " features per row, ", data.name, " has ", width);
    out.test_rows = first_rows(static_cast<size_t>(test->features.shape(0)));
    out.x_test = test->features.clone();
    const float factor = out.scale / test->prescaled;
    if (factor != 1.0f)
      for (size_t i = 0; i < out.x_test.numel(); ++i) out.x_test.data()[i] *= factor;
    const auto m = static_cast<int64_t>(test->labels.numel());
    out.y_test = test->labels.reshape({m, 1}).clone();
    if (out.classification()) {
      out.y_test = Tensor::empty({m});
      for (int64_t i = 0; i < m; ++i) {
        const float v = test->labels.data()[i];
        const int64_t c = class_of(v);
        if (c < 0) {
          detail::throw_error(test->name, ": label ", number_text(v),
                              " is a class the training data lacks (classes: ", join(out.classes),
                              ")");
        }
        out.y_test.data()[i] = static_cast<float>(c);
      }
    }
  }
  RowSplit fit = {train_rows, {}};
  if (options.validation_fraction > 0)
    fit = split_rows(train_rows, options.validation_fraction, options.seed + 1,
                     classes.empty() ? std::vector<int64_t>{} : pick(classes, train_rows));
  PLEXUS_CHECK(!fit.kept.empty(), data.name, ": too few rows to train on");
  out.x_train = take_rows(x, fit.kept);
  out.y_train = take_rows(targets, fit.kept);
  if (!fit.held_out.empty()) {
    out.x_validation = take_rows(x, fit.held_out);
    out.y_validation = take_rows(targets, fit.held_out);
  }
  return out;
}

}  // namespace plexus::data
