// What the feature preprocessing (preprocessing.cpp) and the target (target.cpp) share: finding
// their columns and rows, the order of labels, and the messages that name a cell by file, line
// and column.
#pragma once

#include <algorithm>
#include <charconv>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "base/check.hpp"
#include "base/compat.hpp"
#include "data/cells.hpp"
#include "plexus/data/csv.hpp"
#include "plexus/data/tabular.hpp"

namespace plexus::data::internal {

// The shortest text that reads back as `value` (a fill, as a model file keeps it).
inline std::string format_number(double value) {
  char buffer[32];
  const auto end = compat::to_chars(buffer, buffer + sizeof(buffer), value).ptr;
  return std::string(buffer, end);
}

// "data.csv:12: column 'age' (3)": the 0-based index, as --target and --ignore accept it.
inline std::string where(const Table& table, size_t row, size_t col, const char* what = "column") {
  std::ostringstream text;
  text << table.where(row) << ": " << what << " '" << table.columns()[col] << "' (" << col << ")";
  return text.str();
}

// What the fit chose that a reader might not expect, a line per column: a column with no value in
// its training rows left out (ignored, though `options` did not ask for it); numbers with some
// words read as categories (a categorical column not forced by `options`, at least half of whose
// values are numbers).
inline std::vector<std::string> column_notes(const Preprocessing& preprocessing,
                                             const TabularOptions& options,
                                             std::string_view source) {
  const auto listed = [](const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  std::vector<std::string> notes;
  for (const ColumnInfo& column : preprocessing.columns()) {
    const std::string where = std::string(source) + ": column '" + column.name + "' ";
    if (column.kind == ColumnKind::ignored && !listed(options.ignore, column.name))
      notes.push_back(where + "has no value in the training rows: it is left out, as --ignore " +
                      column.name + " would");
    if (column.kind != ColumnKind::categorical || listed(options.categorical, column.name))
      continue;
    std::vector<std::string> words;
    for (const std::string& category : column.categories)
      if (parse_cell(category).kind != CellKind::number) words.push_back(category);
    // Mostly numbers: a text column with a few numbers among its words needs no note.
    if (words.empty() || 2 * words.size() > column.categories.size()) continue;
    constexpr size_t kShown = 3;
    std::string shown;
    for (size_t i = 0; i < std::min(kShown, words.size()); ++i)
      shown += (i ? ", '" : "'") + words[i] + "'";
    if (words.size() > kShown) shown += ", ...";
    notes.push_back(where + "holds numbers and " + std::to_string(words.size()) +
                    (words.size() == 1 ? " word (" : " words (") + shown + "): its " +
                    std::to_string(column.categories.size()) +
                    " values are read as categories; to keep it numeric, fix the words or empty "
                    "those cells");
  }
  return notes;
}

// A feature cell that cannot be used: a CellError that names it (made, for a fit that reports
// it later, or thrown).
template <typename... Parts>
CellError make_cell_error(const Table& table, size_t row, size_t col, const Parts&... parts) {
  std::ostringstream text;
  text << where(table, row, col);
  (text << ... << parts);
  return CellError(text.str(), row, table.line(row), col);
}

template <typename... Parts>
[[noreturn]] void cell_error(const Table& table, size_t row, size_t col, const Parts&... parts) {
  throw make_cell_error(table, row, col, parts...);
}

inline CellError not_finite_error(const Table& table, size_t row, size_t col) {
  return make_cell_error(table, row, col, ": '", table.cell(row, col),
                         "' is infinite or too large for a double; replace it, or leave the cell "
                         "empty to mark it missing");
}

inline CellError missing_cell_error(const Table& table, size_t row, size_t col) {
  const std::string_view cell = table.cell(row, col);
  return make_cell_error(
      table, row, col, ": ",
      trim(cell).empty() ? std::string("empty cell") : "missing value '" + std::string(cell) + "'",
      "; fill it, drop the row, or pass --impute mean|median|most-frequent|auto");
}

inline CellError not_a_number_error(const Table& table, size_t row, size_t col) {
  return make_cell_error(table, row, col, ": '", table.cell(row, col),
                         "' is not a number; hint: if the column holds categories, pass "
                         "--categorical ",
                         table.columns()[col]);
}

[[noreturn]] inline void not_finite(const Table& table, size_t row, size_t col) {
  throw not_finite_error(table, row, col);
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

// The columns a fit uses, resolved from the options, with the errors for contradicting ones:
// the target, the features in order (then ignored columns not listed as features), and which of
// those are ignored or forced categorical. Defined in preprocessing.cpp.
struct FeatureColumns {
  size_t target;
  std::vector<size_t> features;
  std::vector<size_t> ignored;
  std::vector<size_t> forced;

  bool is_ignored(size_t col) const {
    return std::find(ignored.begin(), ignored.end(), col) != ignored.end();
  }
  bool is_forced(size_t col) const {
    return std::find(forced.begin(), forced.end(), col) != forced.end();
  }
};
FeatureColumns feature_columns(const Table& table, const TabularOptions& options);

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
