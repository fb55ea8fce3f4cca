// Reading CSV files into a Table of text cells: RFC 4180 quoting (doubled quotes, delimiters and
// line breaks inside quotes), CRLF or LF line ends, an optional UTF-8 byte-order mark, and
// detection of the delimiter (',' ';' or tab) and of a header row. Blank lines are skipped. Turning
// cells into numbers is the job of data/tabular.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

/// The cells of a CSV file as text, row-major, each row with the line it starts on.
class Table {
 public:
  /// The file name (or "<stdin>"), for error messages.
  const std::string& source() const { return source_; }
  /// The header's names, or "0", "1", ... without a header (also for empty header cells).
  const std::vector<std::string>& columns() const { return columns_; }
  /// Data rows (the header is not one).
  size_t rows() const { return lines_.size(); }
  size_t cols() const { return columns_.size(); }
  /// The cell's text, unquoted, with the blanks around an unquoted cell trimmed.
  std::string_view cell(size_t row, size_t col) const;
  /// The 1-based line of the source on which `row` starts.
  size_t line(size_t row) const { return lines_[row]; }
  /// The column called `name_or_index`, else the column at that 0-based index; throws naming the
  /// column and listing the valid names.
  int column_index(std::string_view name_or_index) const;

 private:
  friend class internal::CsvParser;

  std::string source_;
  std::vector<std::string> columns_;
  // All cells back to back, without separators. A cell starts where the one before it in its row
  // ends (or at its row's start); ends are 32-bit offsets from the row's start, which halves the
  // index of a numeric file compared with 64-bit offsets.
  std::string text_;
  std::vector<size_t> row_starts_;
  std::vector<uint32_t> ends_;
  std::vector<size_t> lines_;
};

/// Reads the file at `path`; errors name the file, the line and the field, and what to fix.
Table read_csv(const std::filesystem::path& path, const CsvOptions& options = {});
/// Reads everything from `in`; `source` names it in errors (e.g. "<stdin>").
Table read_csv(std::istream& in, std::string source, const CsvOptions& options = {});

}  // namespace plexus::data
