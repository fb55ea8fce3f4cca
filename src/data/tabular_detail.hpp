// What the feature preprocessing (preprocessing.cpp) and the target (target.cpp) share: finding
// their columns and rows, the order of labels, and the messages that name a cell by file, line
// and column.
#pragma once

#include <algorithm>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "base/check.hpp"
#include "data/cells.hpp"
#include "plexus/data/csv.hpp"
#include "plexus/data/tabular.hpp"

namespace plexus::data::internal {

// "data.csv:12: column 'age' (3)": the 0-based index, as --target and --ignore accept it.
inline std::string where(const Table& table, size_t row, size_t col, const char* what = "column") {
  std::ostringstream text;
  text << table.where(row) << ": " << what << " '" << table.columns()[col] << "' (" << col << ")";
  return text.str();
}

// A feature cell that cannot be used: a CellError that names it.
template <typename... Parts>
[[noreturn]] void cell_error(const Table& table, size_t row, size_t col, const Parts&... parts) {
  std::ostringstream text;
  text << where(table, row, col);
  (text << ... << parts);
  throw CellError(text.str(), row, table.line(row), col);
}

[[noreturn]] inline void not_finite(const Table& table, size_t row, size_t col) {
  cell_error(table, row, col, ": '", table.cell(row, col),
             "' is infinite or too large for a double; replace it, or leave the cell empty to "
             "mark it missing");
}

inline std::string quoted_list(const std::vector<std::string>& names) {
  constexpr size_t kListed = 20;
  std::ostringstream text;
  for (size_t i = 0; i < std::min(names.size(), kListed); ++i)
    text << (i ? ", '" : "'") << names[i] << "'";
  if (names.size() > kListed) text << " and " << names.size() - kListed << " more";
  return text.str();
}

// By exact name: a saved pipeline refers to its columns by name, whatever their order here.
inline size_t find_column(const Table& table, const std::string& name, const char* role) {
  const auto& names = table.columns();
  const auto it = std::find(names.begin(), names.end(), name);
  PLEXUS_CHECK(it != names.end(), table.source(), ": the ", role, " column '", name,
               "' is missing; the model was trained with it. This file has ", quoted_list(names));
  return static_cast<size_t>(it - names.begin());
}

inline void check_rows(const Table& table, std::span<const size_t> rows) {
  for (const size_t row : rows)
    PLEXUS_CHECK(row < table.rows(), table.source(), ": row ", row, " is out of range (",
                 table.rows(), " rows)");
}

inline size_t target_index(const Table& table, const TabularOptions& options) {
  PLEXUS_CHECK(table.cols() > 0, table.source(), ": no columns");
  if (options.target.empty()) return table.cols() - 1;
  return static_cast<size_t>(table.column_index(options.target));
}

// Numeric order when every label is a number (so "2" comes before "10"), else lexicographic.
inline void sort_labels(std::vector<std::string>& labels) {
  const bool numbers = std::all_of(labels.begin(), labels.end(), [](const std::string& s) {
    return parse_cell(s).kind == CellKind::number;
  });
  if (numbers) {
    std::stable_sort(labels.begin(), labels.end(), [](const std::string& a, const std::string& b) {
      return parse_cell(a).value < parse_cell(b).value;
    });
  } else {
    std::sort(labels.begin(), labels.end());
  }
}

}  // namespace plexus::data::internal
