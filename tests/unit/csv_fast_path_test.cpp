// The CSV reader's fast path (plain records left in place, their field ends found 64 bytes at a
// time) against a byte-at-a-time reference parser written here from the format's rules, on
// generated and adversarial text: quotes, CRLF, blank lines, empty fields, missing markers,
// blanks around cells, very long fields, and fields that end at the text's end (where fewer than
// a block's bytes are left to load). And the plain-decimal number readers against their rules
// written out byte by byte, and against each other.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <plexus/data/csv.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "base/compat.hpp"
#include "data/cells.hpp"
#include "data/csv_records.hpp"
#include "data/field_ends.hpp"

namespace px = plexus;
using px::data::Table;

namespace {

struct Record {
  size_t line;
  std::vector<std::string> cells;
};

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// RFC 4180 as csv.hpp words it, one byte at a time: blank lines skipped, blanks around an
// unquoted cell trimmed, "" inside quotes is one quote, line ends \r\n, \n or \r. ',' only.
std::vector<Record> reference_parse(const std::string& s) {
  std::vector<Record> records;
  size_t i = 0, line = 1;
  const auto end_line = [&] {
    if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
    ++i;
    ++line;
  };
  for (;;) {
    size_t r = i;
    while (r < s.size() && is_blank(s[r])) ++r;
    if (r == s.size()) return records;
    if (s[r] == '\n' || s[r] == '\r') {
      i = r;
      end_line();
      continue;
    }
    Record record{line, {}};
    for (;;) {
      while (i < s.size() && is_blank(s[i])) ++i;
      std::string cell;
      if (i < s.size() && s[i] == '"') {
        for (++i;; ++i) {
          if (s[i] == '\n') ++line;
          if (s[i] != '"') {
            cell += s[i];
          } else if (i + 1 < s.size() && s[i + 1] == '"') {
            cell += '"';
            ++i;
          } else {
            break;
          }
        }
        ++i;
        while (i < s.size() && is_blank(s[i])) ++i;
      } else {
        while (i < s.size() && s[i] != ',' && s[i] != '\n' && s[i] != '\r') cell += s[i++];
        while (!cell.empty() && is_blank(cell.back())) cell.pop_back();
      }
      record.cells.push_back(cell);
      if (i < s.size() && s[i] == ',') {
        ++i;
        continue;
      }
      break;
    }
    if (i < s.size()) end_line();
    records.push_back(record);
  }
}

std::string random_cell(std::mt19937& random) {
  std::string cell;
  const auto add_digits = [&](size_t n) {
    for (size_t k = 0; k < n; ++k) cell += static_cast<char>('0' + random() % 10);
  };
  switch (random() % 12) {
    case 0:
      break;
    case 1:
      cell = "?";
      break;
    case 2:
      cell = "NA";
      break;
    case 3:
      cell = "  ";
      add_digits(1 + random() % 9);
      cell += " \t";
      break;
    case 4:
      cell = "\"a,b\"\"c\"";
      break;
    case 5:
      cell = "\"two\r\nlines, \"\"quoted\"\"\"";
      break;
    case 6:
      cell.assign(1 + random() % 3000, 'x');
      break;  // longer than many words
    case 7:
      cell = "\"";
      cell.append(random() % 40, ',');
      cell += "\"  ";
      break;
    case 8:
      cell = "-";
      add_digits(1 + random() % 3);
      cell += ".";
      add_digits(random() % 7);
      cell += "e-5";
      break;
    default:
      add_digits(1 + random() % 17);
  }
  return cell;
}

// Rows of random cells with random line ends, blank lines, and no line end after the last.
std::string random_csv(std::mt19937& random, size_t rows, size_t cols) {
  std::string text;
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < cols; ++c) {
      if (c > 0) text += ',';
      text += random_cell(random);
    }
    if (r + 1 == rows && random() % 2) break;
    text += random() % 3 == 0 ? "\r\n" : "\n";
    if (random() % 10 == 0) text += random() % 2 ? " \n" : "\r\n";
  }
  return text;
}

void expect_same(const Table& table, const std::vector<Record>& expected, const std::string& text) {
  ASSERT_EQ(table.rows(), expected.size()) << text;
  for (size_t r = 0; r < expected.size(); ++r) {
    ASSERT_EQ(table.line(r), expected[r].line) << "row " << r << " of\n" << text;
    ASSERT_EQ(table.cols(), expected[r].cells.size()) << text;
    for (size_t c = 0; c < table.cols(); ++c)
      ASSERT_EQ(table.cell(r, c), expected[r].cells[c])
          << "row " << r << ", column " << c << " of\n"
          << text;
  }
}

Table parse_records(const std::string& text, size_t cols) {
  px::data::internal::CsvFormat format{',', false, {}};
  for (size_t c = 0; c < cols; ++c) format.columns.push_back(std::to_string(c));
  return px::data::internal::parse_csv_records(text, 0, "data.csv", 1, format, true);
}

}  // namespace

TEST(CsvFastPath, MatchesAByteAtATimeParserOnRandomText) {
  std::mt19937 random(5);
  for (int trial = 0; trial < 300; ++trial) {
    const size_t cols = 1 + random() % 12;
    const std::string text = random_csv(random, 1 + random() % 40, cols);
    SCOPED_TRACE(trial);
    expect_same(parse_records(text, cols), reference_parse(text), text);
    std::istringstream in(text);
    expect_same(px::data::read_csv(in, "data.csv", {.header = false, .delimiter = ','}),
                reference_parse(text), text);
  }
}

// Every length of a last field, with and without a line end, after rows of both kinds (plain and
// quoted): the field's end meets the text's end at every offset of a short last block.
TEST(CsvFastPath, FieldsEndingAtTheTextsEnd) {
  const std::string rows = "alpha,beta,gamma,delta\n1,22,333,4444\n\"q,\"\"\",x, y ,z\r\n";
  for (size_t length = 0; length < 20; ++length) {
    for (const char* line_end : {"", "\n", "\r\n", " \t"}) {
      std::string last;
      for (size_t k = 0; k < length; ++k) last += static_cast<char>('a' + k % 26);
      const std::string text = rows + "1,2,3," + last + line_end;
      SCOPED_TRACE(text);
      expect_same(parse_records(text, 4), reference_parse(text), text);
    }
  }
}

// The field-end finder against a byte loop: from every position of random text (all bytes that
// matter to it, and bytes past ASCII), for each delimiter, the same next delimiter or line break,
// also where fewer than a block's 64 bytes are left; calls move forward as the parser's do.
TEST(CsvFastPath, FieldEndsFindWhatAByteLoopFinds) {
  const std::string alphabet = std::string("a,;\t\n\r\" 9\x80\xFF", 11) + '\0';
  std::mt19937 random(11);
  for (int trial = 0; trial < 400; ++trial) {
    std::string text;
    const size_t length = random() % 300;
    // Runs of a byte that never ends a field, so blocks without any end occur too.
    while (text.size() < length)
      text += random() % 3 == 0 ? std::string(random() % 100, 'x')
                                : std::string(1, alphabet[random() % alphabet.size()]);
    for (const char delimiter : {',', ';', '\t'}) {
      px::data::internal::FieldEnds ends(delimiter);
      for (size_t from = 0; from <= text.size(); from += 1 + random() % 5) {
        size_t expected = from;
        while (expected < text.size() && text[expected] != delimiter && text[expected] != '\n' &&
               text[expected] != '\r')
          ++expected;
        ASSERT_EQ(ends.next(text.data(), text.size(), from), expected)
            << "trial " << trial << ", from " << from;
      }
    }
  }
}

// Line breaks counted 16 bytes at a time as a byte loop counts them: texts of every length up to
// past the 255 blocks whose counts add up in one byte lane, from runs with no line break to runs
// of nothing else, and from every offset of a text (unaligned starts and short tails).
TEST(CsvFastPath, NewlinesCountedAsAByteLoopCountsThem) {
  std::mt19937 random(13);
  for (int trial = 0; trial < 200; ++trial) {
    const size_t length = random() % 3 == 0 ? 4000 + random() % 5000 : random() % 300;
    // The share of bytes that are line breaks; all of them fills the byte lanes' counts.
    const unsigned percent = random() % 4 == 0 ? 100 : random() % 100;
    std::string text(length, 'x');
    for (char& byte : text)
      byte = random() % 100 < percent ? '\n' : static_cast<char>(random() % 256);
    for (size_t from = 0; from <= std::min<size_t>(text.size(), 40); ++from) {
      const std::string_view part = std::string_view(text).substr(from);
      ASSERT_EQ(px::data::internal::count_newlines(part),
                static_cast<size_t>(std::count(part.begin(), part.end(), '\n')))
          << "trial " << trial << ", from " << from;
    }
  }
}

// Numbers in every chunk that a file's chunks could start with: the same records whether the
// text is read whole or in two pieces cut at any record boundary (the second piece a text of its
// own, or the whole text read from the cut).
TEST(CsvFastPath, ChunksCutAtAnyRecordReadAsTheWhole) {
  std::mt19937 random(9);
  const std::string text = random_csv(random, 60, 5) + "\n";
  const std::vector<Record> whole = reference_parse(text);
  for (size_t cut = 0; cut < text.size(); ++cut) {
    if (text[cut] != '\n') continue;
    const std::string head = text.substr(0, cut + 1), tail = text.substr(cut + 1);
    if (std::count(head.begin(), head.end(), '"') % 2 == 1) continue;  // a cut inside quotes
    const size_t head_lines = static_cast<size_t>(std::count(head.begin(), head.end(), '\n'));
    for (const auto& [piece, start] : {std::pair{tail, size_t{0}}, std::pair{text, cut + 1}}) {
      std::vector<Record> expected = reference_parse(head);
      const Table second = px::data::internal::parse_csv_records(
          piece, start, "data.csv", head_lines + 1,
          px::data::internal::CsvFormat{',', false, {"0", "1", "2", "3", "4"}}, false);
      for (size_t r = 0; r < second.rows(); ++r) {
        ASSERT_LT(expected.size(), whole.size());
        Record record{second.line(r), {}};
        for (size_t c = 0; c < second.cols(); ++c) record.cells.emplace_back(second.cell(r, c));
        expected.push_back(record);
      }
      ASSERT_EQ(expected.size(), whole.size()) << "cut at " << cut;
      for (size_t r = 0; r < whole.size(); ++r) {
        ASSERT_EQ(expected[r].line, whole[r].line) << "cut at " << cut;
        ASSERT_EQ(expected[r].cells, whole[r].cells) << "cut at " << cut;
      }
    }
  }
}

namespace {

// What parse_plain_decimal promises, a byte at a time: -?D+(.D+)?([eE][+-]?D{1,4})? with at most
// 19 digits worth at most 2^53 and a power of ten within 10^+-22, read as from_chars reads it.
bool reference_plain_decimal(std::string_view s, double& value) {
  size_t i = s.size() > 0 && s[0] == '-';
  uint64_t digits = 0;
  int count = 0, exponent = 0;
  const auto is_digit = [&](size_t k) { return k < s.size() && s[k] >= '0' && s[k] <= '9'; };
  const auto read = [&](bool fraction) {
    const size_t start = i;
    for (; is_digit(i); ++i, ++count) {
      digits = digits * 10 + static_cast<uint64_t>(s[i] - '0');
      exponent -= fraction;
    }
    return i > start;
  };
  if (!read(false)) return false;
  if (i < s.size() && s[i] == '.' && (++i, !read(true))) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    const bool negative = ++i < s.size() && s[i] == '-';
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    int written = 0;
    const size_t start = i;
    for (; is_digit(i) && i - start < 4; ++i) written = written * 10 + (s[i] - '0');
    if (i == start) return false;
    exponent += negative ? -written : written;
  }
  if (i != s.size() || count > 19 || digits > (uint64_t{1} << 53)) return false;
  if (exponent < -22 || exponent > 22) return false;
  px::compat::from_chars(s.data(), s.data() + s.size(), value);
  return true;
}

void expect_plain_decimal_as_reference(const std::string& text) {
  // The text alone in a buffer of its size, so a read past its end is caught by sanitizers.
  const std::unique_ptr<char[]> alone(new char[text.size()]);
  std::copy(text.begin(), text.end(), alone.get());
  const std::string_view cell(alone.get(), text.size());
  double expected = 0, value = 0;
  const bool plain = reference_plain_decimal(cell, expected);
  ASSERT_EQ(px::data::internal::parse_plain_decimal(cell, value), plain) << "'" << text << "'";
  if (!plain) return;
  ASSERT_EQ(std::signbit(value), std::signbit(expected)) << text;
  ASSERT_EQ(value, expected) << text;
}

}  // namespace

// Every text of up to six bytes over the bytes that matter to a decimal (digits, '.', '-', 'e')
// and their neighbours ('/' and ':' around the digits), then random texts of up to 24 bytes with
// bytes past ASCII and zeros: the digit loops and their exits agree with the rules.
TEST(CellsFastPath, PlainDecimalsAsTheRulesSayOnEveryShortText) {
  const std::string small = "09.-e/";
  for (size_t length = 0; length <= 6; ++length) {
    std::vector<size_t> at(length, 0);
    for (;;) {
      std::string text;
      for (const size_t k : at) text += small[k];
      expect_plain_decimal_as_reference(text);
      if (::testing::Test::HasFatalFailure()) return;
      size_t k = 0;
      while (k < length && ++at[k] == small.size()) at[k++] = 0;
      if (k == length) break;
    }
  }
  const std::string wide = std::string("0123456789.-+eE /:a\x80\xB0", 21) + '\0';
  std::mt19937 random(3);
  for (int trial = 0; trial < 400000; ++trial) {
    std::string text;
    const size_t length = random() % 25;
    // Mostly digits with a point, as numeric cells are; sometimes any byte of the alphabet.
    for (size_t k = 0; k < length; ++k)
      text +=
          random() % 4 == 0 ? wide[random() % wide.size()] : static_cast<char>('0' + random() % 10);
    if (length > 1 && random() % 2) text[random() % length] = '.';
    expect_plain_decimal_as_reference(text);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

// The reader of a cell in a table's text (16 bytes at a time) against the one that reads a byte
// at a time: the same yes or no and the same double, bit for bit, on random cells (numbers with a
// sign, a point, leading zeros, up to 19 digits, and any byte of a number's alphabet), with the
// text's end at every distance past the cell, so that both of its paths are taken.
TEST(CellsFastPath, SixteenBytesAtOnceAsOneByteAtATime) {
  const std::string alphabet = "0123456789.-+eE a\x80";
  std::mt19937_64 random(17);
  char text[64];
  size_t accepted = 0;
  for (int trial = 0; trial < 2000000; ++trial) {
    std::string cell;
    const size_t length = random() % 20;
    const int style = static_cast<int>(random() % 3);
    for (size_t k = 0; k < length; ++k)
      cell += style == 0 ? alphabet[random() % alphabet.size()]
                         : static_cast<char>('0' + random() % 10);
    if (style > 0 && length > 1 && random() % 4 != 0) cell[random() % length] = '.';
    if (style == 2 && length > 0) cell[0] = '-';
    std::memset(text, static_cast<char>(random()), sizeof text);
    std::memcpy(text, cell.data(), cell.size());
    const char* end = text + cell.size() + random() % 21;
    double expected = 0, got = 0;
    const bool reads = px::data::internal::parse_plain_decimal(cell, expected);
    ASSERT_EQ(px::data::internal::parse_plain_decimal({text, cell.size()}, end, got), reads)
        << "'" << cell << "'";
    if (!reads) continue;
    ++accepted;
    ASSERT_EQ(plexus::compat::bit_cast<uint64_t>(got), plexus::compat::bit_cast<uint64_t>(expected))
        << "'" << cell << "'";
  }
  EXPECT_GT(accepted, 500000u);  // most trials are numbers
}
