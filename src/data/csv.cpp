// CSV reader: the whole input is read into one string, whose cells the parser then unquotes and
// trims in place (cells are never longer than their source text; a plain record is left as it
// is), so a file costs its own size in memory plus four bytes per cell and sixteen per row.
#include "plexus/data/csv.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstring>
#include <fstream>
#include <istream>
#include <limits>
#include <new>
#include <sstream>
#include <unordered_map>
#include <utility>

#include "base/check.hpp"
#include "data/cells.hpp"
#include "data/csv_records.hpp"
#include "data/field_ends.hpp"
#include "plexus/data/memory.hpp"

namespace plexus::data {

Table::Table(std::string source, std::vector<std::string> columns,
             const std::vector<std::vector<std::string>>& rows)
    : source_(std::move(source)), columns_(std::move(columns)), rows_by_index_(true) {
  std::unordered_map<std::string_view, size_t> seen;
  for (size_t c = 0; c < columns_.size(); ++c) {
    const auto [it, added] = seen.emplace(columns_[c], c);
    PLEXUS_CHECK(added, source_, ": column '", columns_[c], "' is named twice (columns ",
                 it->second, " and ", c, ")");
  }
  for (size_t r = 0; r < rows.size(); ++r) {
    PLEXUS_CHECK(rows[r].size() == columns_.size(), where_index(r), ": ", rows[r].size(),
                 " cells, the table has ", columns_.size(), " columns");
    row_starts_.push_back(text_.size());
    for (size_t c = 0; c < rows[r].size(); ++c) {
      if (c > 0) text_ += ',';  // cells are one byte apart, as in a file
      text_ += rows[r][c];
      PLEXUS_CHECK(text_.size() - row_starts_.back() <= std::numeric_limits<uint32_t>::max(),
                   where_index(r), ": a row longer than 4 GiB");
      ends_.push_back(static_cast<uint32_t>(text_.size() - row_starts_.back()));
    }
    lines_.push_back(r + 1);
  }
}

std::string Table::where(size_t row) const {
  PLEXUS_ASSERT(row < rows());
  return rows_by_index_ ? where_index(row) : source_ + ":" + std::to_string(lines_[row]);
}

std::string Table::where_index(size_t row) const {
  return source_ + "[" + std::to_string(row) + "]";
}

int Table::column_index(std::string_view name_or_index) const {
  for (size_t i = 0; i < columns_.size(); ++i)
    if (columns_[i] == name_or_index) return static_cast<int>(i);
  size_t index = 0;
  const char* end = name_or_index.data() + name_or_index.size();
  const auto [stop, error] = std::from_chars(name_or_index.data(), end, index);
  if (error == std::errc() && stop == end && !name_or_index.empty() && index < cols())
    return static_cast<int>(index);
  std::ostringstream names;
  constexpr size_t kListed = 20;
  for (size_t i = 0; i < std::min(columns_.size(), kListed); ++i)
    names << (i ? ", '" : "'") << columns_[i] << "'";
  if (columns_.size() > kListed) names << " and " << columns_.size() - kListed << " more";
  detail::throw_error(source_, ": no column '", name_or_index, "'; the columns are ", names.str(),
                      " (or give a 0-based index below ", cols(), ")");
}

namespace internal {

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// Fields per record in the first lines of `text` when split at `delimiter`, honouring quotes;
// a record cut off by the end of the sample is not counted unless the sample is all there is.
std::vector<size_t> fields_per_record(std::string_view text, char delimiter, bool whole) {
  constexpr size_t kRecords = 20;
  std::vector<size_t> counts;
  bool quoted = false, blank = true;
  size_t fields = 1;
  for (const char c : text) {
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (c == delimiter) ++fields;
    if (c == '\n' || c == '\r') {
      if (!blank) counts.push_back(fields);
      if (counts.size() == kRecords) return counts;
      fields = 1;
      blank = true;
    } else if (c != ' ') {
      blank = false;
    }
  }
  if (whole && !blank) counts.push_back(fields);
  return counts;
}

char detect_delimiter(std::string_view text) {
  constexpr size_t kSample = 64 * 1024;
  const std::string_view sample = text.substr(0, kSample);
  char best = ',';
  size_t best_fields = 1;
  for (const char candidate : {'\t', ';', ','}) {
    const std::vector<size_t> counts =
        fields_per_record(sample, candidate, sample.size() == text.size());
    if (counts.empty()) continue;
    const bool consistent =
        std::all_of(counts.begin(), counts.end(), [&](size_t n) { return n == counts.front(); });
    if (consistent && counts.front() > 1) return candidate;
    // No consistent split: the widest first line wins, and the ragged-row error explains.
    if (counts.front() > best_fields) {
      best = candidate;
      best_fields = counts.front();
    }
  }
  return best;
}

}  // namespace

class CsvParser {
 public:
  // Parses `text` from byte `start` (the bytes before it are kept but not read).
  CsvParser(std::string text, std::string source, const CsvOptions& options, size_t start = 0)
      : source_(std::move(source)), header_(options.header), read_(start) {
    table_.text_ = std::move(text);
    const std::string_view all = table_.text_;
    if (start == 0 && all.substr(0, kBom.size()) == kBom) read_ = kBom.size();
    delimiter_ = options.delimiter ? *options.delimiter : detect_delimiter(all.substr(read_));
    PLEXUS_CHECK(delimiter_ != '"' && delimiter_ != '\n' && delimiter_ != '\r', source_,
                 ": the delimiter cannot be a quote or a line break");
    special_.fill(false);
    for (const char c : {delimiter_, '\n', '\r'}) special_[static_cast<unsigned char>(c)] = true;
    quote_or_blank_.fill(false);
    for (const char c : {'"', ' ', '\t'}) quote_or_blank_[static_cast<unsigned char>(c)] = true;
    quote_or_blank_[static_cast<unsigned char>(delimiter_)] = false;
    field_ends_ = FieldEnds(delimiter_);
  }

  Table parse() {
    if (next_record()) {
      reserve_index();  // the first record tells the width
      while (next_record()) {
      }
    }
    PLEXUS_CHECK(table_.lines_.size() > 0, source_, ": the file is empty (no rows)");
    const bool header = header_ ? *header_ : detect_header();
    took_header_ = header;
    const size_t cols = width_;
    if (header) {
      PLEXUS_CHECK(table_.lines_.size() > 1, source_,
                   ": only a header (line 1), no data rows; hint: if that line is data, read "
                   "the file without a header");
      take_header();
    } else {
      for (size_t i = 0; i < cols; ++i) table_.columns_.push_back(std::to_string(i));
    }
    table_.source_ = std::move(source_);
    table_.text_.resize(write_);
    return std::move(table_);
  }

  // Whole records of a file in a known format, the first starting on line `first_line`; at the
  // file's start, the header record is checked against the columns and dropped.
  Table parse_records(size_t first_line, const CsvFormat& format, bool starts_file) {
    line_ = first_line;
    width_ = format.columns.size();
    known_width_ = true;
    header_ = format.header;
    reserve_index();
    while (next_record()) {
    }
    if (starts_file && format.header && !table_.lines_.empty()) {
      for (size_t c = 0; c < width_; ++c) {
        const std::string_view name = cell(0, c);
        PLEXUS_CHECK(
            name == format.columns[c] || (name.empty() && format.columns[c] == std::to_string(c)),
            source_, ":", table_.lines_[0], ": the header's field ", c + 1, " is '", name,
            "', the first file's is '", format.columns[c],
            "'; hint: every file of the data must have the same header");
      }
      table_.ends_.erase(table_.ends_.begin(),
                         table_.ends_.begin() + static_cast<std::ptrdiff_t>(width_));
      table_.row_starts_.erase(table_.row_starts_.begin());
      table_.lines_.erase(table_.lines_.begin());
    }
    table_.columns_ = format.columns;
    table_.source_ = std::move(source_);
    table_.text_.resize(write_);
    return std::move(table_);
  }

  char delimiter() const { return delimiter_; }
  bool took_header() const { return took_header_; }

 private:
  bool blank(char c) const { return (c == ' ' || c == '\t') && c != delimiter_; }

  // Room in the index for a record a line of width_ fields from read_ on: growing it a record
  // at a time cost as much as finding the fields (its copies, and the new memory's first touches).
  void reserve_index() {
    const size_t lines = count_newlines(std::string_view(table_.text_).substr(read_)) + 1;
    table_.ends_.reserve(lines * width_);
    table_.row_starts_.reserve(lines);
    table_.lines_.reserve(lines);
  }

  // Parses one record at read_, appending its cells; false at the end of the input. The rows
  // before it are complete, so a ragged row's error can look at them to word itself.
  bool next_record() {
    const std::string& s = table_.text_;
    const size_t n = s.size();
    // Blank lines (also the trailing one) separate nothing; skip them.
    for (;;) {
      size_t r = read_;
      while (r < n && blank(s[r])) ++r;
      if (r == n) return false;
      if (s[r] != '\n' && s[r] != '\r') break;
      read_ = end_line(r);
    }
    const size_t record_line = line_;
    // A row's cells stay where its text starts: rows need not lie back to back.
    const size_t row_start = read_;
    write_ = read_;
    const size_t fields_before = table_.ends_.size();
    if (!plain_record(row_start)) {
      table_.ends_.resize(fields_before);
      read_ = write_ = row_start;
      any_record(record_line, row_start);
    }
    const size_t fields = table_.ends_.size() - fields_before;
    if (read_ < n) read_ = end_line(read_);
    if (table_.lines_.empty() && !known_width_) width_ = fields;
    if (fields != width_) ragged(record_line, fields);
    table_.row_starts_.push_back(row_start);
    table_.lines_.push_back(record_line);
    return true;
  }

  // The common record, without quotes and without blanks around its fields: its text is already
  // the cells with one delimiter between them, so only the fields' ends are recorded. False (with
  // some ends recorded) at a record that needs any_record.
  bool plain_record(size_t row_start) {
    const char* const s = table_.text_.data();
    const size_t n = table_.text_.size();
    for (size_t r = row_start;;) {
      if (quote_or_blank_[static_cast<unsigned char>(s[r])]) return false;  // s[n] is '\0'
      const size_t end = field_ends_.next(s, n, r);
      if (end > r && blank(s[end - 1])) return false;
      table_.ends_.push_back(static_cast<uint32_t>(end - row_start));
      if (end < n && s[end] == delimiter_) {
        r = end + 1;
        continue;
      }
      if (end - row_start > std::numeric_limits<uint32_t>::max()) return false;
      read_ = write_ = end;
      return true;
    }
  }

  // Any record: cells unquoted and trimmed in place, moved down to write_ (never past read_).
  void any_record(size_t record_line, size_t row_start) {
    std::string& s = table_.text_;
    const size_t n = s.size();
    size_t fields = 0;
    for (;;) {
      while (read_ < n && blank(s[read_])) ++read_;
      if (read_ < n && s[read_] == '"') {
        quoted_field(record_line, fields + 1);
      } else {
        unquoted_field();
      }
      PLEXUS_CHECK(write_ - row_start <= std::numeric_limits<uint32_t>::max(), source_, ":",
                   record_line, ": a row longer than 4 GiB");
      table_.ends_.push_back(static_cast<uint32_t>(write_ - row_start));
      ++fields;
      if (read_ < n && s[read_] == delimiter_) {
        s[write_++] = delimiter_;  // one byte between cells, as in a plain record
        ++read_;
        continue;
      }
      break;
    }
  }

  // Moves the unquoted field at read_ down to write_, up to the next delimiter or line break,
  // and trims its trailing blanks.
  void unquoted_field() {
    char* const d = table_.text_.data();
    const size_t end = field_ends_.next(d, table_.text_.size(), read_);
    if (write_ != read_) std::memmove(d + write_, d + read_, end - read_);
    size_t w = write_ + (end - read_);
    while (w > write_ && blank(d[w - 1])) --w;
    read_ = end;
    write_ = w;
  }

  // Past the line break at `r` ("\r\n", "\n" or "\r"), counting the line.
  size_t end_line(size_t r) {
    const std::string& s = table_.text_;
    if (s[r] == '\r' && r + 1 < s.size() && s[r + 1] == '\n') ++r;
    ++line_;
    return r + 1;
  }

  void quoted_field(size_t record_line, size_t field) {
    std::string& s = table_.text_;
    const size_t n = s.size();
    const size_t quote_line = line_;
    ++read_;
    for (;;) {
      const void* found = std::memchr(s.data() + read_, '"', n - read_);
      PLEXUS_CHECK(found != nullptr, source_, ":", quote_line, ": field ", field,
                   " opens a quote that is never closed (unterminated quote); hint: end the "
                   "value with \", and write a quote inside a quoted value as \"\"");
      const size_t quote = static_cast<size_t>(static_cast<const char*>(found) - s.data());
      line_ += static_cast<size_t>(std::count(s.begin() + read_, s.begin() + quote, '\n'));
      std::memmove(s.data() + write_, s.data() + read_, quote - read_);
      write_ += quote - read_;
      read_ = quote + 1;
      if (read_ < n && s[read_] == '"') {  // "" stands for one quote
        s[write_++] = '"';
        ++read_;
        continue;
      }
      break;
    }
    while (read_ < n && blank(s[read_])) ++read_;
    PLEXUS_CHECK(read_ == n || special_[static_cast<unsigned char>(s[read_])], source_, ":", line_,
                 ": field ", field, " (of the row on line ", record_line,
                 ") has text after its closing quote; hint: write a quote inside a quoted value "
                 "as \"\"");
  }

  [[noreturn]] void ragged(size_t record_line, size_t fields) {
    const bool header = header_ ? *header_ : detect_header();
    detail::throw_error(source_, ":", record_line, ": ", fields, " fields, ",
                        header ? "the header has " : "the first row has ", width_,
                        "; hint: quote values that contain the delimiter '",
                        delimiter_ == '\t' ? std::string("\\t") : std::string(1, delimiter_),
                        "', and check for a missing or extra delimiter on that line");
  }

  std::string_view cell(size_t row, size_t col) const {
    const size_t index = row * width_ + col;
    const size_t begin = col == 0 ? 0 : table_.ends_[index - 1] + 1;
    return std::string_view(table_.text_)
        .substr(table_.row_starts_[row] + begin, table_.ends_[index] - begin);
  }

  // A header is a first row with no number in it above a column that has one further down; a
  // file without numbers is taken to have a header too, as most do.
  bool detect_header() const {
    const size_t rows = table_.lines_.size();
    for (size_t c = 0; c < width_; ++c)
      if (is_number(cell(0, c))) return false;
    constexpr size_t kScan = 1000;
    for (size_t r = 1; r < std::min(rows, kScan); ++r)
      for (size_t c = 0; c < width_; ++c)
        if (is_number(cell(r, c))) return true;
    return true;
  }

  void take_header() {
    std::unordered_map<std::string_view, size_t> seen;
    for (size_t c = 0; c < width_; ++c) {
      const std::string_view name = cell(0, c);
      table_.columns_.push_back(name.empty() ? std::to_string(c) : std::string(name));
    }
    for (size_t c = 0; c < width_; ++c) {
      const auto [it, added] = seen.emplace(table_.columns_[c], c);
      PLEXUS_CHECK(added, source_, ":", table_.lines_[0], ": the header names column '",
                   table_.columns_[c], "' twice (fields ", it->second + 1, " and ", c + 1,
                   "); rename one");
    }
    table_.ends_.erase(table_.ends_.begin(),
                       table_.ends_.begin() + static_cast<std::ptrdiff_t>(width_));
    table_.row_starts_.erase(table_.row_starts_.begin());
    table_.lines_.erase(table_.lines_.begin());
  }

  std::string source_;
  std::optional<bool> header_;
  Table table_;
  char delimiter_ = ',';
  std::array<bool, 256> special_{};         // the delimiter and line breaks
  std::array<bool, 256> quote_or_blank_{};  // what a plain record's field may not start with
  FieldEnds field_ends_{','};
  size_t read_ = 0, write_ = 0;
  size_t line_ = 1;
  size_t width_ = 0;
  bool known_width_ = false;  // parse_records: the width is the header's, not the first row's
  bool took_header_ = false;
};

CsvFormat detect_csv_format(std::string text, const std::string& source,
                            const CsvOptions& options) {
  CsvParser parser(std::move(text), source, options);
  const Table table = parser.parse();
  return {parser.delimiter(), parser.took_header(), table.columns()};
}

Table parse_csv_records(std::string text, size_t start, std::string source, size_t first_line,
                        const CsvFormat& format, bool starts_file) {
  return CsvParser(std::move(text), std::move(source),
                   {.header = format.header, .delimiter = format.delimiter}, start)
      .parse_records(first_line, format, starts_file);
}

}  // namespace internal

namespace {

std::string read_all(std::istream& in, const std::string& source) {
  std::string text;
  constexpr size_t kChunk = 1 << 20;
  for (;;) {
    const size_t size = text.size();
    text.resize(size + kChunk);
    const std::streamsize got = in.rdbuf()->sgetn(text.data() + size, kChunk);
    text.resize(size + static_cast<size_t>(std::max<std::streamsize>(got, 0)));
    if (got < static_cast<std::streamsize>(kChunk)) break;
  }
  PLEXUS_CHECK(!in.bad(), source, ": read error");
  return text;
}

}  // namespace

Table read_csv(const std::filesystem::path& path, const CsvOptions& options) try {
  const std::string source = path.string();
  std::ifstream in(path, std::ios::binary);
  PLEXUS_CHECK(in.is_open(), source, ": cannot open (", std::strerror(errno), ")");
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  std::string text;
  if (!error) {
    text.resize(static_cast<size_t>(size));
    in.read(text.data(), static_cast<std::streamsize>(size));
    PLEXUS_CHECK(in.gcount() == static_cast<std::streamsize>(size), source,
                 ": read error (the file changed while being read?)");
  } else {
    text = read_all(in, source);  // not a regular file (a pipe, /dev/stdin)
  }
  return internal::CsvParser(std::move(text), source, options).parse();
} catch (const std::bad_alloc&) {
  throw_out_of_memory(path);
}

Table read_csv(std::istream& in, std::string source, const CsvOptions& options) {
  std::string text = read_all(in, source);
  return internal::CsvParser(std::move(text), std::move(source), options).parse();
}

}  // namespace plexus::data
