// Preprocessing::transform: a table's text cells to the model's input floats. Rows are converted
// one at a time, all columns of a row together (a row's cells lie together in the table's text).
// A cell that cannot be used stops that pass, and a second pass by columns throws the error that
// the column order meets first: the message does not depend on the order of the work.
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <sstream>
#include <unordered_map>

#include "data/cells.hpp"
#include "data/tabular_detail.hpp"
#include "plexus/data/tabular.hpp"

namespace plexus::data {

namespace {

using internal::CellKind;

// NOTE: z is clamped to +-1e6 first, where the clip is 3 to float precision, so that (z / 3)^2
// stays finite in float too: the exporters compute the same function.
double smooth_clip(double z) {
  z = std::clamp(z, -1e6, 1e6);
  return z / std::sqrt(1 + (z / 3) * (z / 3));
}

// Why a cell cannot be transformed.
enum class Problem { none, missing, not_a_number, not_finite, too_far };

// One used column: where it is in the table and in the output, and what its cells need.
struct ColumnStep {
  const ColumnInfo* info;
  size_t col;                                           // in the table
  size_t offset;                                        // its first output
  std::optional<double> fill;                           // numeric
  std::unordered_map<std::string_view, size_t> lookup;  // categorical: category -> output
  size_t unseen = 0;                                    // categorical: cells of unseen categories
  size_t first_unseen = 0;                              // the first one's index in `rows`
};

class Transform {
 public:
  Transform(const std::vector<ColumnInfo>& columns, Scaling scaling, const Table& table,
            std::span<const size_t> rows, size_t width)
      : scaling_(scaling),
        table_(table),
        text_end_(table.text().data() + table.text().size()),
        rows_(rows),
        width_(width) {
    size_t offset = 0;
    for (const ColumnInfo& column : columns) {
      if (column.kind == ColumnKind::ignored) continue;
      // Every column is looked up before any cell is read, so a missing one fails fast.
      ColumnStep step{&column, internal::find_column(table, column.name, "feature"), offset, {}};
      if (column.kind == ColumnKind::numeric && column.fill)
        step.fill = internal::parse_cell(*column.fill).value;
      for (size_t k = 0; k < column.categories.size(); ++k)
        step.lookup.emplace(column.categories[k], k);
      steps_.push_back(std::move(step));
      offset += column.outputs();
    }
  }

  // Row by row into x (zeros); false at the first cell that cannot be used.
  bool by_rows(float* x) {
    for (size_t i = 0; i < rows_.size(); ++i)
      for (ColumnStep& step : steps_)
        if (convert(step, i, x + i * width_ + step.offset) != Problem::none) return false;
    return true;
  }

  // Column by column into x (zeros), throwing for the first cell that cannot be used; a column's
  // warning is added when the column is done.
  void by_columns(float* x, std::vector<std::string>* warnings) {
    for (ColumnStep& step : steps_) {
      step.unseen = 0;
      for (size_t i = 0; i < rows_.size(); ++i)
        if (const Problem problem = convert(step, i, x + i * width_ + step.offset);
            problem != Problem::none)
          throw_problem(problem, step, rows_[i]);
      warn(step, warnings);
    }
  }

  void warn(std::vector<std::string>* warnings) const {
    for (const ColumnStep& step : steps_) warn(step, warnings);
  }

 private:
  Problem convert(ColumnStep& step, size_t i, float* out) const {
    const std::string_view text = table_.cell(rows_[i], step.col);
    return step.info->kind == ColumnKind::numeric ? numeric(step, text, out)
                                                  : categorical(step, i, text, out);
  }

  Problem numeric(const ColumnStep& step, std::string_view text, float* out) const {
    const ColumnInfo& column = *step.info;
    // A plain decimal needs none of parse_cell's other steps (a blank or a marker is not one):
    // the same value, with less work for the common cell.
    internal::Cell cell{CellKind::number};
    if (!internal::parse_plain_decimal(text, text_end_, cell.value))
      cell = internal::parse_cell(text);
    double value = cell.value;
    if (cell.kind == CellKind::missing) {
      if (!step.fill) return Problem::missing;
      value = *step.fill;
    } else if (cell.kind == CellKind::text) {
      return Problem::not_a_number;
    } else if (cell.kind == CellKind::non_finite) {
      return Problem::not_finite;
    }
    if (scaling_ == Scaling::robust) {
      out[0] = static_cast<float>(smooth_clip((value - column.median) / column.scale));
    } else {
      const double standard = (value - column.mean) / column.std;
      // A value far from the training ones can leave float's range: an error, not infinity.
      if (!(std::fabs(standard) <= std::numeric_limits<float>::max())) return Problem::too_far;
      out[0] = static_cast<float>(standard);
    }
    if (column.missing_indicator) out[1] = cell.kind == CellKind::missing ? 1.0f : 0.0f;
    return Problem::none;
  }

  // One-hot: a 1 at the category's output (none for an unseen one). Embedded: the category's
  // index, the missing category's (K) or the unseen one's (K + 1 with a missing category, else K).
  Problem categorical(ColumnStep& step, size_t i, std::string_view cell, float* out) const {
    const ColumnInfo& column = *step.info;
    const size_t missing = column.categories.size();
    const size_t unseen = missing + column.missing_category;
    if (internal::is_missing(cell)) {
      if (column.missing_category) {
        out[column.embedded ? 0 : missing] = column.embedded ? static_cast<float>(missing) : 1.0f;
        return Problem::none;
      }
      if (!column.fill) return Problem::missing;
      cell = *column.fill;
    }
    const auto it = step.lookup.find(cell);
    if (it == step.lookup.end()) {
      if (step.unseen++ == 0) step.first_unseen = i;
      if (column.embedded) out[0] = static_cast<float>(unseen);
      return Problem::none;
    }
    if (column.embedded)
      out[0] = static_cast<float>(it->second);
    else
      out[it->second] = 1.0f;
    return Problem::none;
  }

  [[noreturn]] void throw_problem(Problem problem, const ColumnStep& step, size_t row) const {
    const size_t col = step.col;
    switch (problem) {
      case Problem::missing:
        throw internal::missing_cell_error(table_, row, col);
      case Problem::not_a_number:
        throw internal::not_a_number_error(table_, row, col);
      case Problem::not_finite:
        throw internal::not_finite_error(table_, row, col);
      case Problem::too_far:
      case Problem::none:
        break;
    }
    internal::cell_error(table_, row, col, ": '", table_.cell(row, col),
                         "' is too far from the training values (mean ", step.info->mean, ", std ",
                         step.info->std, ") to standardise as a float32");
  }

  void warn(const ColumnStep& step, std::vector<std::string>* warnings) const {
    if (step.unseen == 0 || !warnings) return;
    const size_t row = rows_[step.first_unseen];
    std::ostringstream text;
    text << internal::where(table_, row, step.col) << ": category '" << table_.cell(row, step.col)
         << "' was not in the training data; " << step.unseen
         << (step.unseen == 1 ? " cell" : " cells")
         << " of this column with unseen categories are encoded as "
         << (step.info->embedded ? "the unseen category (an embedding of zeros)" : "all zeros");
    warnings->push_back(text.str());
  }

  Scaling scaling_;
  const Table& table_;
  const char* text_end_;
  std::span<const size_t> rows_;
  size_t width_;
  std::vector<ColumnStep> steps_;
};

}  // namespace

Tensor Preprocessing::transform(const Table& table, std::span<const size_t> rows,
                                std::vector<std::string>* warnings) const {
  internal::check_rows(table, rows);
  const size_t width = output_features();
  Transform transform(columns_, scaling_, table, rows, width);
  const auto zeros = [&] {
    return Tensor::zeros({static_cast<int64_t>(rows.size()), static_cast<int64_t>(width)});
  };
  Tensor out = zeros();
  if (transform.by_rows(out.data())) {
    transform.warn(warnings);
    return out;
  }
  out = zeros();
  transform.by_columns(out.data(), warnings);
  return out;  // not reached: by_rows stopped at a cell that by_columns throws for
}

}  // namespace plexus::data
