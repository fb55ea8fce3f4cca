// Preprocessing::transform, which converts a row's cells together: every output against the cell's
// own formula (parse_cell, then fill, scale, one-hot) on generated cells of every kind, and the
// error for a table with several bad cells: the first in column order, as a pass by columns
// meets it, with its row, line and column.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <plexus/data/csv.hpp>
#include <plexus/data/tabular.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "data/cells.hpp"
#include "support/error_of.hpp"

namespace px = plexus;
using px::data::ColumnInfo;
using px::data::ColumnKind;
using px::data::Preprocessing;
using px::data::Scaling;
using px::data::Table;
using ::testing::HasSubstr;

namespace {

// Numeric cells of every form parse_cell reads, blanks and missing markers among them.
const std::vector<std::string> kNumbers = {"1.5",
                                           "-12.25",
                                           "0",
                                           "-0",
                                           "7",
                                           "1e3",
                                           "2.5E-2",
                                           " 3.75 ",
                                           "+2",
                                           ".5",
                                           "5.",
                                           "1e-30",
                                           "12345678901234567890",
                                           "9007199254740993",
                                           "-0.000001",
                                           "",
                                           "?",
                                           "NA",
                                           "nan",
                                           " "};
const std::vector<std::string> kColours = {"red", "blue", "green", "", "?", "violet"};

std::vector<ColumnInfo> columns() {
  ColumnInfo filled{"filled", ColumnKind::numeric, 1.25, 3.5, 0.5, 2.0};
  filled.fill = "0.75";
  filled.missing_indicator = true;
  ColumnInfo plain{"plain", ColumnKind::numeric, -2.0, 0.125, 1.0, 0.25};
  plain.fill = "-4";
  ColumnInfo colour{"colour", ColumnKind::categorical};
  colour.categories = {"blue", "green", "red"};
  colour.fill = "red";
  ColumnInfo shade{"shade", ColumnKind::categorical};
  shade.categories = {"blue", "red"};
  shade.missing_category = true;
  return {filled, ColumnInfo{"skipped", ColumnKind::ignored}, colour, plain, shade};
}

// One output of a numeric cell by its formula.
float expected_number(const ColumnInfo& column, Scaling scaling, const std::string& text) {
  const px::data::internal::Cell cell = px::data::internal::parse_cell(text);
  const double value = cell.kind == px::data::internal::CellKind::missing
                           ? px::data::internal::parse_cell(*column.fill).value
                           : cell.value;
  if (scaling == Scaling::standard) return static_cast<float>((value - column.mean) / column.std);
  double z = std::clamp((value - column.median) / column.scale, -1e6, 1e6);
  return static_cast<float>(z / std::sqrt(1 + (z / 3) * (z / 3)));
}

}  // namespace

TEST(Transform, EveryOutputIsItsCellsFormula) {
  std::mt19937 random(17);
  // The table's columns in another order than the pipeline's, with one it does not use.
  const std::vector<std::string> names = {"shade",  "plain",   "unused",
                                          "colour", "skipped", "filled"};
  std::vector<std::vector<std::string>> rows(300);
  for (auto& row : rows)
    row = {kColours[random() % kColours.size()],
           kNumbers[random() % kNumbers.size()],
           "zz",
           kColours[random() % kColours.size()],
           "text",
           kNumbers[random() % kNumbers.size()]};
  const Table table("rows", names, rows);
  std::vector<size_t> picked(500);
  for (size_t& row : picked) row = random() % rows.size();  // repeats, any order

  for (const Scaling scaling : {Scaling::standard, Scaling::robust}) {
    const Preprocessing pre(columns(), scaling);
    std::vector<std::string> warnings;
    const std::vector<float> x = pre.transform(table, picked, &warnings).to_vector();
    ASSERT_EQ(pre.output_features(), 2u + 3u + 1u + 3u);
    ASSERT_EQ(x.size(), picked.size() * 9);
    for (size_t i = 0; i < picked.size(); ++i) {
      const std::vector<std::string>& row = rows[picked[i]];
      const float* out = x.data() + i * 9;
      SCOPED_TRACE("row " + std::to_string(picked[i]));
      EXPECT_EQ(out[0], expected_number(pre.columns()[0], scaling, row[5])) << row[5];
      EXPECT_EQ(out[1], px::data::internal::is_missing(row[5]) ? 1.0f : 0.0f);
      const std::string colour = px::data::internal::is_missing(row[3]) ? "red" : row[3];
      for (size_t k = 0; k < 3; ++k)
        EXPECT_EQ(out[2 + k], colour == pre.columns()[2].categories[k] ? 1.0f : 0.0f) << colour;
      EXPECT_EQ(out[5], expected_number(pre.columns()[3], scaling, row[1])) << row[1];
      const bool missing_shade = px::data::internal::is_missing(row[0]);
      EXPECT_EQ(out[6], !missing_shade && row[0] == "blue" ? 1.0f : 0.0f);
      EXPECT_EQ(out[7], !missing_shade && row[0] == "red" ? 1.0f : 0.0f);
      EXPECT_EQ(out[8], missing_shade ? 1.0f : 0.0f);
    }
    // Green and violet are unseen in "shade", violet in "colour": one warning each, in order.
    ASSERT_EQ(warnings.size(), 2u);
    EXPECT_THAT(warnings[0], HasSubstr("column 'colour'"));
    EXPECT_THAT(warnings[1], HasSubstr("column 'shade'"));
  }
}

// The numbers of a CSV file (read fast, a block of rows scaled together, several values an
// instruction) against the one-cell formula, bit for bit: magnitudes from 1e-9 to 1e300 (the
// clip's clamp), signs, negative zero, plain decimals and exponents; 64 * 15 + 7 rows, so every
// block width meets a remainder.
TEST(Transform, BlocksOfReadNumbersMatchTheFormulaBitForBit) {
  std::mt19937_64 random(5);
  std::uniform_real_distribution<double> exponent(-9, 300);
  std::string csv = "a,b\n";
  std::vector<std::string> cells;
  char cell[40];
  for (size_t i = 0; i < 64 * 15 + 7; ++i) {
    for (int column = 0; column < 2; ++column) {
      const double value = (random() % 2 ? -1 : 1) * std::pow(10.0, exponent(random));
      const int kind = static_cast<int>(random() % 4);
      if (kind == 0) std::snprintf(cell, sizeof cell, "%.6g", value / 1e290);
      if (kind == 1) std::snprintf(cell, sizeof cell, "%.17g", value);
      if (kind == 2)
        std::snprintf(cell, sizeof cell, "%.*f", static_cast<int>(random() % 9),
                      static_cast<double>(random() % 100000000) / 1e4 - 5e3);
      if (kind == 3) std::snprintf(cell, sizeof cell, "%s", random() % 2 ? "-0" : "-0.000");
      cells.emplace_back(cell);
      csv += cell;
      csv += column == 0 ? "," : "\n";
    }
  }
  std::istringstream in(csv);
  const Table table = px::data::read_csv(in, "data.csv");
  ColumnInfo a{"a", ColumnKind::numeric, 0.0, 1.0, 0.0, 1.0};
  ColumnInfo b{"b", ColumnKind::numeric, -3.5, 1e-3, 12.25, 7.5};
  for (const Scaling scaling : {Scaling::standard, Scaling::robust}) {
    if (scaling == Scaling::standard) a.std = b.std = 1e270;  // no value leaves float's range
    const Preprocessing pre({a, b}, scaling);
    std::vector<size_t> rows(table.rows());
    for (size_t i = 0; i < rows.size(); ++i) rows[i] = i;
    const std::vector<float> x = pre.transform(table, rows).to_vector();
    ASSERT_EQ(x.size(), cells.size());
    for (size_t i = 0; i < cells.size(); ++i) {
      const float expected = expected_number(pre.columns()[i % 2], scaling, cells[i]);
      uint32_t got_bits = 0, expected_bits = 0;
      std::memcpy(&got_bits, &x[i], sizeof got_bits);
      std::memcpy(&expected_bits, &expected, sizeof expected_bits);
      ASSERT_EQ(got_bits, expected_bits) << cells[i] << " (cell " << i << ")";
    }
  }
}

// Bad cells in several columns: the error names the first in the pipeline's column order (then
// row order), not the first a row-by-row reading meets; earlier columns' warnings are given.
TEST(Transform, NamesTheFirstBadCellInColumnOrder) {
  ColumnInfo a{"a", ColumnKind::numeric}, b{"b", ColumnKind::numeric};
  ColumnInfo colour{"colour", ColumnKind::categorical};
  colour.categories = {"red"};
  const Preprocessing pre({colour, a, b}, Scaling::standard);
  const Table table("rows", {"b", "a", "colour"},
                    {{"oops", "1", "red"}, {"2", "1e300", "blue"}, {"", "word", "red"}});
  std::vector<std::string> warnings;
  try {
    pre.transform(table, std::vector<size_t>{0, 1, 2}, &warnings);
    FAIL() << "no error";
  } catch (const px::data::CellError& error) {
    EXPECT_THAT(error.what(), HasSubstr("rows[1]: column 'a' (1): '1e300' is too far"));
    EXPECT_EQ(error.row(), 1u);
    EXPECT_EQ(error.column(), 1u);
  }
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], HasSubstr("category 'blue'"));

  // Without the far value, column a's text comes before b's on an earlier row, and so does a
  // missing category.
  const Table word("rows", {"b", "a", "colour"}, {{"oops", "1", "red"}, {"2", "word", "red"}});
  EXPECT_THAT(px::testing::error_of([&] {
                pre.transform(word, std::vector<size_t>{0, 1});
              }),
              HasSubstr("rows[1]: column 'a' (1): 'word' is not a number"));
  const Table text("rows", {"b", "a", "colour"}, {{"oops", "1", "red"}, {"1", "1", ""}});
  EXPECT_THAT(px::testing::error_of([&] {
                pre.transform(text, std::vector<size_t>{0, 1});
              }),
              HasSubstr("rows[1]: column 'colour' (2): empty cell"));
}
