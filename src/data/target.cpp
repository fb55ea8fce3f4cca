// The target column: fitting infers the task and collects the classes from the training rows;
// encoding turns each row's cell into a class index or a value.
#include "plexus/data/tabular.hpp"

#include <cmath>
#include <limits>
#include <optional>
#include <unordered_map>

#include "base/check.hpp"
#include "data/cells.hpp"
#include "data/tabular_detail.hpp"

namespace plexus::data {

namespace {

using internal::CellKind;
using internal::check_rows;
using internal::find_column;
using internal::not_finite;
using internal::parse_cell;
using internal::quoted_list;
using internal::sort_labels;
using internal::target_index;
using internal::where;

constexpr size_t kMaxClassesForIntegers = 20;

}  // namespace

Target Target::fit(const Table& table, std::span<const size_t> rows,
                   const TabularOptions& options) {
  PLEXUS_CHECK(!rows.empty(), table.source(), ": no training rows to fit the target on");
  check_rows(table, rows);
  const size_t col = target_index(table, options);
  Target out;
  out.column = table.columns()[col];
  bool text = false, integers = true;
  std::optional<size_t> first_text, first_non_finite;
  std::unordered_map<std::string_view, size_t> distinct;
  for (const size_t row : rows) {
    const std::string_view cell = table.cell(row, col);
    const internal::Cell parsed = parse_cell(cell);
    if (parsed.kind == CellKind::missing) {
      detail::throw_error(where(table, row, col, "target column"),
                          ": missing target; targets are not imputed: fill it or drop the row");
    }
    if (parsed.kind == CellKind::text && !first_text) first_text = row;
    if (parsed.kind == CellKind::non_finite && !first_non_finite) first_non_finite = row;
    text = text || parsed.kind == CellKind::text;
    integers =
        integers && parsed.kind == CellKind::number && parsed.value == std::floor(parsed.value);
    // Only whether there are more than 20 matters here; the classes are collected below.
    if (distinct.size() <= kMaxClassesForIntegers) distinct.emplace(cell, row);
  }
  if (options.task) {
    out.task = *options.task;
  } else {
    out.task = text || (integers && distinct.size() <= kMaxClassesForIntegers)
                   ? Task::classification
                   : Task::regression;
  }
  if (out.task == Task::regression) {
    if (first_text) {
      detail::throw_error(where(table, *first_text, col, "target column"), ": '",
                          table.cell(*first_text, col),
                          "' is not a number, but regression needs numeric targets; hint: pass "
                          "--task classification");
    }
    if (first_non_finite) not_finite(table, *first_non_finite, col);
    return out;
  }
  for (const size_t row : rows) distinct.emplace(table.cell(row, col), row);
  for (const auto& [label, row] : distinct) out.classes.emplace_back(label);
  sort_labels(out.classes);
  return out;
}

Tensor Target::encode(const Table& table, std::span<const size_t> rows) const {
  check_rows(table, rows);
  const size_t col = find_column(table, column, "target");
  const auto n = static_cast<int64_t>(rows.size());
  if (task == Task::regression) {
    Tensor out = Tensor::empty({n, 1});
    float* y = out.data();
    for (size_t i = 0; i < rows.size(); ++i) {
      const internal::Cell cell = parse_cell(table.cell(rows[i], col));
      if (cell.kind == CellKind::missing) {
        detail::throw_error(where(table, rows[i], col, "target column"),
                            ": missing target; fill it or drop the row");
      }
      if (cell.kind == CellKind::text) {
        detail::throw_error(where(table, rows[i], col, "target column"), ": '",
                            table.cell(rows[i], col), "' is not a number");
      }
      if (cell.kind == CellKind::non_finite) not_finite(table, rows[i], col);
      // Finite as a double, but a float32 target beyond float's range would be infinity.
      PLEXUS_CHECK(std::fabs(cell.value) <= std::numeric_limits<float>::max(),
                   where(table, rows[i], col, "target column"), ": '", table.cell(rows[i], col),
                   "' is beyond float32's range");
      y[i] = static_cast<float>(cell.value);
    }
    return out;
  }
  std::unordered_map<std::string_view, size_t> lookup;
  for (size_t k = 0; k < classes.size(); ++k) lookup.emplace(classes[k], k);
  Tensor out = Tensor::empty({n});
  float* y = out.data();
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string_view cell = table.cell(rows[i], col);
    const auto it = lookup.find(cell);
    if (it == lookup.end() && internal::is_missing(cell))
      detail::throw_error(where(table, rows[i], col, "target column"),
                          ": missing target; fill it or drop the row");
    if (it == lookup.end()) {
      detail::throw_error(where(table, rows[i], col, "target column"), ": class '", cell,
                          "' is not one of the ", classes.size(),
                          " classes of the training data (a class seen only in the test "
                          "file?): ",
                          quoted_list(classes));
    }
    y[i] = static_cast<float>(it->second);
  }
  return out;
}

}  // namespace plexus::data
