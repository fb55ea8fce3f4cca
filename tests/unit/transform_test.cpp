// Preprocessing::transform, which converts a row's cells together: every output against the cell's
// own formula (parse_cell, then fill, scale, one-hot) on generated cells of every kind, and the
// error for a table with several bad cells: the first in column order, as a pass by columns
// meets it, with its row, line and column.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <plexus/data/csv.hpp>
#include <plexus/data/tabular.hpp>
#include <random>
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
