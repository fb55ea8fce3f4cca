// Tables of text cells: read from CSV files, or built from cells in memory (a request's rows).
// The reader handles RFC 4180 quoting (doubled quotes, delimiters and line breaks inside quotes),
// CRLF or LF line ends, an optional UTF-8 byte-order mark, and detection of the delimiter (',' ';'
// or tab) and of a header row. Blank lines are skipped. Turning cells into numbers is the job of
// data/tabular.hpp.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/error.hpp"

namespace plexus::data {

namespace internal {
class CsvParser;
}

struct CsvOptions {
  /// Unset: a first row whose cells are all non-numeric, over a column that holds a number
  /// further down, is a header (a file with no numbers at all is taken to have one).
  std::optional<bool> header;
  /// Unset: the one of ',' ';' and tab that splits the first lines into the same number (> 1) of
  /// fields, in that order of preference: tab, then ';', then ','.
  std::optional<char> delimiter;
};

/// Cells of text, row-major: a CSV file's (each row with the line it starts on) or given in memory.
class Table {
 public:
  Table() = default;
  /// A table of the given cells, kept as they are (no trimming, no quoting). The column names
  /// must differ and each row have as many cells as there are columns, else an error says which.
  /// Its rows are named "source[0]", "source[1]", ... in messages, as the elements of a list are.
  Table(std::string source, std::vector<std::string> columns,
        const std::vector<std::vector<std::string>>& rows);

  /// The file name (or "<stdin>", or the name a table built from cells was given), for messages.
  const std::string& source() const { return source_; }
  /// The header's names, or "0", "1", ... without a header (also for empty header cells).
  const std::vector<std::string>& columns() const { return columns_; }
  /// Data rows (the header is not one).
  size_t rows() const { return lines_.size(); }
  size_t cols() const { return columns_.size(); }
  /// The cell's text: from a file unquoted, with the blanks around an unquoted cell trimmed.
  std::string_view cell(size_t row, size_t col) const {
    assert(row < rows() && col < cols());
    const size_t index = row * cols() + col;
    const size_t begin = col == 0 ? 0 : ends_[index - 1] + 1;
    return std::string_view(text_).substr(row_starts_[row] + begin, ends_[index] - begin);
  }
  /// The text every cell() is a part of, with the bytes between cells: a reader may load a few
  /// bytes past a cell's end at once, up to the end of this.
  std::string_view text() const { return text_; }
  /// The 1-based line of the source on which `row` starts; in a table built from cells, the
  /// row's 1-based position.
  size_t line(size_t row) const { return lines_[row]; }
  /// How messages name `row`: "data.csv:12" (the file and the line) for a table read from a file,
  /// "rows[3]" (the source and the 0-based index) for one built from cells.
  std::string where(size_t row) const;
  /// The column called `name_or_index`, else the column at that 0-based index; throws naming the
  /// column and listing the valid names.
  int column_index(std::string_view name_or_index) const;

 private:
  friend class internal::CsvParser;
  std::string where_index(size_t row) const;

  std::string source_;
  std::vector<std::string> columns_;
  // Each row's cells with one byte between them (a file's record is its row's text when it needs
  // no unquoting or trimming). A cell starts one byte past the end of the one before it in its
  // row (or at its row's start); ends are 32-bit offsets from the row's start, which halves the
  // index of a numeric file compared with 64-bit offsets.
  std::string text_;
  std::vector<size_t> row_starts_;
  std::vector<uint32_t> ends_;
  std::vector<size_t> lines_;
  bool rows_by_index_ = false;  // built from cells: rows are named by index, not by line
};

/// A cell that cannot be used (missing, not a number, out of range), thrown by the tabular
/// transform: what() names the row (Table::where) and the column, and the fields let a caller
/// point at the cell without reading the message.
class CellError : public Error {
 public:
  CellError(const std::string& message, size_t row, size_t line, size_t column)
      : Error(message), row_(row), line_(line), column_(column) {}
  /// The 0-based row of the table.
  size_t row() const { return row_; }
  /// Table::line of that row.
  size_t line() const { return line_; }
  /// The 0-based column of the table.
  size_t column() const { return column_; }

 private:
  size_t row_, line_, column_;
};

/// Reads the file at `path`; errors name the file, the line and the field, and what to fix.
Table read_csv(const std::filesystem::path& path, const CsvOptions& options = {});
/// Reads everything from `in`; `source` names it in errors (e.g. "<stdin>").
Table read_csv(std::istream& in, std::string source, const CsvOptions& options = {});

}  // namespace plexus::data
