// read_csv: RFC 4180 quoting, line ends, BOM, delimiter and header detection, column lookup, and
// the errors (each names the file, the line and what to fix).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <plexus/data/csv.hpp>
#include <plexus/error.hpp>
#include <random>
#include <sstream>
#include <string>

#include "base/compat.hpp"
#include "data/cells.hpp"
#include "support/error_of.hpp"

namespace px = plexus;
using px::data::CsvOptions;
using px::data::read_csv;
using px::data::Table;
using px::testing::error_of;
using ::testing::HasSubstr;

namespace {

Table parse(const std::string& text, const CsvOptions& options = {}) {
  std::istringstream in(text);
  return read_csv(in, "data.csv", options);
}

std::string parse_error(const std::string& text, const CsvOptions& options = {}) {
  return error_of([&] { parse(text, options); });
}

}  // namespace

TEST(Csv, HeaderAndNumbers) {
  const Table t = parse("a,b,c\n1,2,3\n4,5,6\n");
  EXPECT_EQ(t.source(), "data.csv");
  EXPECT_EQ(t.columns(), (std::vector<std::string>{"a", "b", "c"}));
  ASSERT_EQ(t.rows(), 2u);
  ASSERT_EQ(t.cols(), 3u);
  EXPECT_EQ(t.cell(0, 0), "1");
  EXPECT_EQ(t.cell(1, 2), "6");
  EXPECT_EQ(t.line(0), 2u);
  EXPECT_EQ(t.line(1), 3u);
}

TEST(Csv, QuotedFieldsKeepDelimitersNewlinesAndQuotes) {
  const Table t = parse(
      "name,text,n\n"
      "\"Smith, J\",\"said \"\"hi\"\"\",1\n"
      "x,\"two\nlines\",2\n"
      "\"\",  spaced  ,3\n");
  ASSERT_EQ(t.rows(), 3u);
  EXPECT_EQ(t.cell(0, 0), "Smith, J");
  EXPECT_EQ(t.cell(0, 1), "said \"hi\"");
  EXPECT_EQ(t.cell(1, 1), "two\nlines");
  EXPECT_EQ(t.cell(2, 0), "");
  EXPECT_EQ(t.cell(2, 1), "spaced");  // blanks around unquoted cells are trimmed
  EXPECT_EQ(t.line(1), 3u);
  EXPECT_EQ(t.line(2), 5u);  // the quoted line break counts as a line
}

TEST(Csv, QuotedBlanksAreKept) {
  const Table t = parse("a,b\n\" x \",1\n");
  EXPECT_EQ(t.cell(0, 0), " x ");
}

TEST(Csv, CrlfBomAndTrailingBlankLines) {
  const Table t = parse("\xEF\xBB\xBFx,y\r\n1,2\r\n\r\n3,4\r\n\r\n");
  EXPECT_EQ(t.columns(), (std::vector<std::string>{"x", "y"}));
  ASSERT_EQ(t.rows(), 2u);
  EXPECT_EQ(t.cell(0, 1), "2");
  EXPECT_EQ(t.cell(1, 0), "3");
  EXPECT_EQ(t.line(1), 4u);
}

TEST(Csv, LastLineWithoutNewline) {
  const Table t = parse("x,y\n1,2\n3,4");
  ASSERT_EQ(t.rows(), 2u);
  EXPECT_EQ(t.cell(1, 1), "4");
}

TEST(Csv, DetectsSemicolonAndTab) {
  const Table semi = parse("a;b\n1,5;2,25\n3,0;4,5\n");  // decimal commas
  ASSERT_EQ(semi.cols(), 2u);
  EXPECT_EQ(semi.cell(0, 0), "1,5");
  EXPECT_EQ(semi.cell(1, 1), "4,5");
  const Table tab = parse("a\tb c\n1\t2\n3\t4\n");
  EXPECT_EQ(tab.columns(), (std::vector<std::string>{"a", "b c"}));
  EXPECT_EQ(tab.cell(1, 1), "4");
  const Table comma = parse("a,b\n\"x;y\",1\n\"z;w\",2\n");
  EXPECT_EQ(comma.cols(), 2u);
  EXPECT_EQ(comma.cell(0, 0), "x;y");
}

TEST(Csv, ForcedDelimiter) {
  const Table t = parse("a|b\n1|2\n", {.header = std::nullopt, .delimiter = '|'});
  EXPECT_EQ(t.columns(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(t.cell(0, 1), "2");
}

TEST(Csv, SingleColumn) {
  const Table t = parse("y\n1\n2\n");
  EXPECT_EQ(t.cols(), 1u);
  EXPECT_EQ(t.rows(), 2u);
}

TEST(Csv, HeaderDetectedBothWays) {
  const Table numbers = parse("1,2\n3,4\n");
  EXPECT_EQ(numbers.columns(), (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(numbers.rows(), 2u);
  EXPECT_EQ(numbers.line(0), 1u);
  // Text in every row: "red" is data under a text column, since "1" below "b" is a number.
  const Table mixed = parse("a,b\nred,1\nblue,2\n");
  EXPECT_EQ(mixed.columns(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(mixed.rows(), 2u);
  // A text first row over text only: taken as a header.
  EXPECT_EQ(parse("name,colour\nann,red\n").columns()[1], "colour");
  // A first row with a number is data even when others have text.
  const Table data = parse("red,1\nblue,2\n");
  EXPECT_EQ(data.rows(), 2u);
  EXPECT_EQ(data.cell(0, 0), "red");
}

TEST(Csv, HeaderForced) {
  const Table none = parse("a,b\nc,d\n", {.header = false});
  EXPECT_EQ(none.rows(), 2u);
  EXPECT_EQ(none.cell(0, 0), "a");
  const Table one = parse("1,2\n3,4\n", {.header = true});
  EXPECT_EQ(one.columns(), (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(one.rows(), 1u);
}

TEST(Csv, EmptyHeaderCellIsNamedByIndex) {
  const Table t = parse(",x\n0,5\n1,6\n");
  EXPECT_EQ(t.columns(), (std::vector<std::string>{"0", "x"}));
}

TEST(Csv, ColumnIndexByNameOrIndex) {
  const Table t = parse("a,b,c\n1,2,3\n");
  EXPECT_EQ(t.column_index("b"), 1);
  EXPECT_EQ(t.column_index("2"), 2);
  const std::string error = error_of([&] { t.column_index("zzz"); });
  EXPECT_THAT(error, HasSubstr("data.csv"));
  EXPECT_THAT(error, HasSubstr("'zzz'"));
  EXPECT_THAT(error, HasSubstr("'a', 'b', 'c'"));
  EXPECT_THAT(error_of([&] { t.column_index("3"); }), HasSubstr("no column '3'"));
}

TEST(Csv, RaggedRowNamesLineAndCounts) {
  const std::string error = parse_error("a,b,c\n1,2,3\n4,5\n");
  EXPECT_THAT(error, HasSubstr("data.csv:3: 2 fields, the header has 3"));
  EXPECT_THAT(error, HasSubstr("hint"));
  EXPECT_THAT(parse_error("1,2\n3,4,5\n"), HasSubstr("data.csv:2: 3 fields, the first row has 2"));
}

TEST(Csv, UnterminatedQuote) {
  const std::string error = parse_error("a,b\n1,2\n3,\"open\n4,5\n");
  EXPECT_THAT(error, HasSubstr("data.csv:3: field 2"));
  EXPECT_THAT(error, HasSubstr("unterminated quote"));
}

TEST(Csv, TextAfterClosingQuote) {
  EXPECT_THAT(parse_error("a,b\n\"x\"y,1\n"), HasSubstr("data.csv:2: field 1"));
}

TEST(Csv, EmptyFileAndHeaderOnly) {
  EXPECT_THAT(parse_error(""), HasSubstr("data.csv: the file is empty"));
  EXPECT_THAT(parse_error("\xEF\xBB\xBF\n\n"), HasSubstr("data.csv: the file is empty"));
  EXPECT_THAT(parse_error("a,b\n"), HasSubstr("data.csv: only a header (line 1), no data rows"));
  EXPECT_THAT(parse_error("1,2\n", {.header = true}), HasSubstr("only a header"));
}

TEST(Csv, DuplicateHeaderName) {
  EXPECT_THAT(parse_error("a,b,a\n1,2,3\n"),
              HasSubstr("data.csv:1: the header names column 'a' twice"));
}

TEST(Csv, ReadsAFileAndNamesIt) {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / "plexus_csv_test_file.csv";
  {
    std::ofstream out(path, std::ios::binary);
    out << "x,y\n1,2\n3,4\n5\n";
  }
  EXPECT_THAT(error_of([&] { read_csv(path); }), HasSubstr(path.string() + ":4: 1 fields"));
  std::filesystem::remove(path);
  EXPECT_THAT(error_of([&] { read_csv(path); }), HasSubstr(path.string() + ": cannot open"));
}

TEST(Csv, TableFromCellsKeepsThemVerbatimAndNamesRowsByIndex) {
  const Table t("rows", {"a", "b"}, {{" 1 ", "x,\"y\""}, {"", "3"}, {"4", "5"}});
  EXPECT_EQ(t.source(), "rows");
  EXPECT_EQ(t.columns(), (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(t.rows(), 3u);
  EXPECT_EQ(t.cell(0, 0), " 1 ");  // no trimming, no quoting: the cells are the text
  EXPECT_EQ(t.cell(0, 1), "x,\"y\"");
  EXPECT_EQ(t.cell(1, 0), "");
  EXPECT_EQ(t.cell(2, 1), "5");
  EXPECT_EQ(t.line(2), 3u);
  EXPECT_EQ(t.where(0), "rows[0]");
  EXPECT_EQ(t.where(2), "rows[2]");
  EXPECT_EQ(t.column_index("b"), 1);
  EXPECT_EQ(parse("a,b\n1,2\n3,4\n").where(1), "data.csv:3");
}

TEST(Csv, TableFromCellsChecksEachRowsWidth) {
  EXPECT_THAT(error_of([] {
                Table("rows", {"a", "b"}, {{"1", "2"}, {"3"}});
              }),
              HasSubstr("rows[1]: 1 cells, the table has 2 columns"));
  EXPECT_THAT(error_of([] {
                Table("rows", {"a", "b", "a"}, {});
              }),
              HasSubstr("rows: column 'a' is named twice (columns 0 and 2)"));
  EXPECT_EQ(Table("rows", {"a"}, {}).rows(), 0u);
}

// The plain-decimal fast path gives from_chars's value bit for bit, and declines what it cannot
// read exactly (too many digits, a power of ten past 10^22, forms from_chars reads differently).
TEST(Cells, PlainDecimalsReadAsFromCharsDoes) {
  std::mt19937_64 random(11);
  const char* formats[] = {"%.6g", "%.17g", "%.3f", "%.15e", "%.0f", "%.9e"};
  size_t fast = 0;
  for (int i = 0; i < 200000; ++i) {
    const double magnitude = std::ldexp(1.0, static_cast<int>(random() % 160) - 80);
    const double x = (static_cast<double>(random() % 2000001) - 1e6) * 1e-6 * magnitude;
    char text[64];
    std::snprintf(text, sizeof text, formats[i % 6], x);
    const std::string_view cell(text);
    double expected = 0;
    plexus::compat::from_chars(cell.data(), cell.data() + cell.size(), expected);
    const px::data::internal::Cell parsed = px::data::internal::parse_cell(cell);
    ASSERT_EQ(parsed.kind, px::data::internal::CellKind::number) << cell;
    ASSERT_EQ(std::signbit(parsed.value), std::signbit(expected)) << cell;
    ASSERT_EQ(parsed.value, expected) << cell;
    double value = 0;
    fast += px::data::internal::parse_plain_decimal(cell, value);
  }
  EXPECT_GT(fast, 100000u);  // most of them took the fast path
  double value = 0;
  for (const char* declined : {"12345678901234567890", "1e23", "1e-23", ".5", "1.", "-", "1e",
                               "1.5e+", "0x10", "inf", "1,5", "9007199254740993"})
    EXPECT_FALSE(px::data::internal::parse_plain_decimal(declined, value)) << declined;
  EXPECT_TRUE(px::data::internal::parse_plain_decimal("-0.0", value));
  EXPECT_TRUE(std::signbit(value));
  EXPECT_TRUE(px::data::internal::parse_plain_decimal("1.25E+2", value));
  EXPECT_EQ(value, 125.0);
}
