// The default imputation (Impute::automatic: fills, missing indicators, missing categories) and
// robust scaling: fitted values and transformed outputs computed by hand or by numpy, gaps that
// appear only at predict time, the JSON keys, old JSON without them, and the column descriptions
// plexus train prints.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <plexus/data/csv.hpp>
#include <plexus/data/prepare.hpp>
#include <plexus/data/tabular.hpp>
#include <plexus/error.hpp>
#include <plexus/train/settings.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/error_of.hpp"

namespace px = plexus;
using px::data::ColumnKind;
using px::data::Impute;
using px::data::Preprocessing;
using px::data::Scaling;
using px::data::Table;
using px::data::TabularOptions;
using px::testing::error_of;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace {

Table parse(const std::string& text, const std::string& source = "data.csv") {
  std::istringstream in(text);
  return px::data::read_csv(in, source);
}

std::vector<size_t> all_rows(const Table& table) {
  std::vector<size_t> rows(table.rows());
  std::iota(rows.begin(), rows.end(), size_t{0});
  return rows;
}

void expect_row(const std::vector<float>& x, size_t row, const std::vector<double>& expected) {
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_NEAR(x[row * expected.size() + i], expected[i], 1e-6)
        << "row " << row << ", output " << i;
}

// x and c have gaps in training, z and d have none.
const std::string kGaps =
    "x,z,c,d,y\n"
    "1,1,a,p,0\n"
    "2,2,b,q,1\n"
    ",3,,p,0\n"
    "6,4,a,p,1\n";

// Standard scaling, whose values these tests compute by hand; robust scaling has its own.
const TabularOptions kStandard{.scaling = Scaling::standard};

}  // namespace

TEST(Impute, AutoIsTheDefaultAndAddsIndicatorAndCategoryWhereTrainingHasGaps) {
  const Table table = parse(kGaps);
  EXPECT_EQ(TabularOptions{}.impute, Impute::automatic);
  const Preprocessing pre = Preprocessing::fit(table, all_rows(table), kStandard);
  const auto& x = pre.columns()[0];
  EXPECT_EQ(x.fill, "2");  // the median of 1, 2, 6
  EXPECT_TRUE(x.missing_indicator);
  EXPECT_DOUBLE_EQ(x.mean, 3.0);  // of the present values: the indicator marks the filled one
  EXPECT_DOUBLE_EQ(x.std, std::sqrt(14.0 / 3));
  const auto& z = pre.columns()[1];
  EXPECT_EQ(z.fill, "2.5");
  EXPECT_FALSE(z.missing_indicator);
  const auto& c = pre.columns()[2];
  EXPECT_TRUE(c.missing_category);
  EXPECT_FALSE(c.fill.has_value());
  EXPECT_THAT(c.categories, ElementsAre("a", "b"));
  const auto& d = pre.columns()[3];
  EXPECT_EQ(d.fill, "p");
  EXPECT_FALSE(d.missing_category);

  // x, its indicator, z, a, b, missing c, p, q.
  ASSERT_EQ(pre.output_features(), 8u);
  EXPECT_THAT(pre.numeric_value_outputs(), ElementsAre(0, 2));
  const std::vector<float> out = pre.transform(table, all_rows(table)).to_vector();
  const double sx = std::sqrt(14.0 / 3), sz = std::sqrt(1.25);
  expect_row(out, 0, {-2 / sx, 0, -1.5 / sz, 1, 0, 0, 1, 0});
  expect_row(out, 2, {-1 / sx, 1, 0.5 / sz, 0, 0, 1, 1, 0});
  expect_row(out, 3, {3 / sx, 0, 1.5 / sz, 1, 0, 0, 1, 0});
}

TEST(Impute, GapsOnlyAtPredictTimeTakeTheFillWithoutAnIndicator) {
  const Table train = parse(kGaps);
  const Preprocessing pre = Preprocessing::fit(train, all_rows(train), kStandard);
  const Table test = parse("x,z,c,d,y\nNaN,,null,NA,0\n2,,purple,,1\n", "test.csv");
  std::vector<std::string> warnings;
  const std::vector<float> out = pre.transform(test, all_rows(test), &warnings).to_vector();
  ASSERT_EQ(out.size(), 16u);
  const double sx = std::sqrt(14.0 / 3);
  // z takes its median 2.5 (its mean too), d its most frequent category p; no extra outputs.
  expect_row(out, 0, {-1 / sx, 1, 0, 0, 0, 1, 1, 0});
  // An unseen category is all zeros, the missing category included.
  expect_row(out, 1, {-1 / sx, 0, 0, 0, 0, 0, 1, 0});
  EXPECT_EQ(warnings.size(), 1u);
}

TEST(Impute, NoneAndTheExplicitModesAddNothing) {
  const Table table = parse(kGaps);
  for (const Impute impute : {Impute::mean, Impute::median, Impute::most_frequent}) {
    TabularOptions options;
    options.impute = impute;
    const Preprocessing pre = Preprocessing::fit(table, all_rows(table), options);
    EXPECT_EQ(pre.output_features(), 6u);
    EXPECT_FALSE(pre.columns()[0].missing_indicator);
    EXPECT_EQ(pre.columns()[2].fill, "a");
  }
  TabularOptions none;
  none.impute = Impute::none;
  EXPECT_THAT(error_of([&] { Preprocessing::fit(table, all_rows(table), none); }),
              HasSubstr("data.csv:4: column 'x' (0): empty cell"));
}

// A column with no value in the training rows has nothing to learn or fill from: it is left out,
// as --ignore would, and prepare_table says so, rather than failing the whole table.
TEST(Impute, AColumnEmptyInEveryTrainingRowIsLeftOutWithANote) {
  const Table table = parse(
      "x,empty,never,y\n"
      "1,,NA,0\n"
      "2,,,1\n"
      "3,,?,0\n"
      "4,,,1\n");
  TabularOptions forced;
  forced.categorical = {"never"};
  for (const TabularOptions& options : {TabularOptions{}, kStandard, forced}) {
    const Preprocessing pre = Preprocessing::fit(table, all_rows(table), options);
    ASSERT_EQ(pre.columns().size(), 3u);
    EXPECT_EQ(pre.columns()[1].kind, ColumnKind::ignored);
    EXPECT_EQ(pre.columns()[2].kind, ColumnKind::ignored);
    EXPECT_EQ(pre.output_features(), 1u);
  }
  const auto data = px::data::prepare_table(table, {.target = "y"}, {.validation_fraction = 0.0});
  EXPECT_THAT(data.features, ElementsAre("x"));
  EXPECT_THAT(data.warnings,
              ElementsAre("data.csv: column 'empty' has no value in the training rows: it is left "
                          "out, as --ignore empty would",
                          HasSubstr("column 'never'")));
  // Ignored on request, it needs no note; --impute none still names the first empty cell.
  const auto asked =
      px::data::prepare_table(table, {.target = "y", .ignore = {"empty", "never"}}, {});
  EXPECT_TRUE(asked.warnings.empty());
  TabularOptions none;
  none.impute = Impute::none;
  EXPECT_THAT(error_of([&] { Preprocessing::fit(table, all_rows(table), none); }),
              HasSubstr("data.csv:2: column 'empty' (1): empty cell"));
  // Every feature empty: nothing is left to train on.
  const Table blank = parse("a,y\n,0\n,1\n");
  EXPECT_THAT(error_of([&] { Preprocessing::fit(blank, all_rows(blank), {}); }),
              HasSubstr("no feature columns are left"));
}

TEST(RobustScaling, MatchesNumpysQuantilesAndTheSmoothClip) {
  // Expected: numpy.median, numpy.quantile (linear) and z / sqrt(1 + (z / 3)^2) in float64.
  const Table table = parse("x,y\n3.5,0\n-1.25,1\n8,0\n0.5,1\n2,0\n2,1\n40,0\n");
  TabularOptions options;
  options.scaling = Scaling::robust;
  const Preprocessing pre = Preprocessing::fit(table, all_rows(table), options);
  EXPECT_EQ(pre.scaling(), Scaling::robust);
  EXPECT_DOUBLE_EQ(pre.columns()[0].median, 2.0);
  EXPECT_DOUBLE_EQ(pre.columns()[0].scale, 4.5);  // 5.75 - 1.25
  const std::vector<float> x = pre.transform(table, all_rows(table)).to_vector();
  EXPECT_THAT(
      x, ElementsAre(0.33129457f, -0.7021615f, 1.2184154f, -0.33129457f, 0.0f, 0.0f, 2.8269048f));
}

TEST(RobustScaling, FallsBackToHalfTheRangeThenOneAndClipsHugeValuesToThree) {
  TabularOptions options;
  options.scaling = Scaling::robust;
  // Quartiles 1.75 and 3.25 of 1, 2, 3, 4; then 5, 5, 5, 5, 9: quartiles equal, half the range.
  const Table table = parse("a,b,c,y\n1,5,7,0\n2,5,7,1\n3,5,7,0\n4,5,7,1\n4,9,7,0\n");
  const Preprocessing pre = Preprocessing::fit(table, std::vector<size_t>{0, 1, 2, 3}, options);
  EXPECT_DOUBLE_EQ(pre.columns()[0].median, 2.5);
  EXPECT_DOUBLE_EQ(pre.columns()[0].scale, 1.5);
  const Preprocessing all = Preprocessing::fit(table, all_rows(table), options);
  EXPECT_DOUBLE_EQ(all.columns()[1].median, 5.0);
  EXPECT_DOUBLE_EQ(all.columns()[1].scale, 2.0);
  EXPECT_DOUBLE_EQ(all.columns()[2].scale, 1.0);  // constant
  // a: median 3, scale 2, so 1 -> z = -1 -> -1 / sqrt(1 + 1 / 9); b: (100 - 5) / 2 = 47.5 ->
  // 2.99403446; far beyond float's range -> +-3, not NaN or an error.
  const Table far = parse("a,b,c,y\n1,100,7,0\n-1e300,1e300,7,0\n");
  const std::vector<float> x = all.transform(far, all_rows(far)).to_vector();
  EXPECT_THAT(x, ElementsAre(static_cast<float>(-1 / std::sqrt(1 + (1.0 / 3) * (1.0 / 3))),
                             2.9940345f, 0.0f, -3.0f, 3.0f, 0.0f));
}

TEST(MissingValuesJson, RoundTripKeepsIndicatorsCategoriesAndScaling) {
  const Table table = parse(kGaps);
  TabularOptions options;
  options.scaling = Scaling::robust;
  const Preprocessing pre = Preprocessing::fit(table, all_rows(table), options);
  const std::string json = pre.to_json();
  EXPECT_THAT(json, HasSubstr("\"scaling\":\"robust\""));
  EXPECT_THAT(json, HasSubstr("\"missing_indicator\":true"));
  EXPECT_THAT(json, HasSubstr("\"missing_category\":true"));
  const Preprocessing back = Preprocessing::from_json(json, "model.plx");
  EXPECT_EQ(back.to_json(), json);
  EXPECT_EQ(back.scaling(), Scaling::robust);
  EXPECT_EQ(back.output_features(), 8u);
  const Table test = parse("x,z,c,d,y\n,,,,0\n7,1,b,q,1\n");
  EXPECT_EQ(back.transform(test, all_rows(test)).to_vector(),
            pre.transform(test, all_rows(test)).to_vector());
}

TEST(MissingValuesJson, OldFilesWithoutTheNewKeysStandardiseAndKeepTheirFill) {
  const std::string old =
      R"({"version":1,"columns":[{"name":"x","kind":"numeric","mean":3,"std":2,"fill":"1"},)"
      R"({"name":"c","kind":"categorical","categories":["a","b"],"fill":null}]})";
  const Preprocessing pre = Preprocessing::from_json(old, "old.plx");
  EXPECT_EQ(pre.scaling(), Scaling::standard);
  EXPECT_FALSE(pre.columns()[0].missing_indicator);
  EXPECT_FALSE(pre.columns()[1].missing_category);
  EXPECT_EQ(pre.output_features(), 3u);
  const Table table = parse("x,c\n,a\n5,b\n");
  EXPECT_EQ(pre.transform(table, all_rows(table)).to_vector(),
            (std::vector<float>{-1, 1, 0, 1, 0, 1}));
  const Table gap = parse("x,c\n5,\n", "new.csv");
  EXPECT_THAT(error_of([&] { pre.transform(gap, all_rows(gap)); }),
              HasSubstr("new.csv:2: column 'c' (1): empty cell"));
}

TEST(MissingValuesJson, InconsistentKeysAreErrorsNamingTheColumn) {
  EXPECT_THAT(error_of([] {
                Preprocessing::from_json(
                    R"({"version":1,"columns":[{"name":"x","kind":"numeric","mean":0,"std":1,)"
                    R"("fill":null,"missing_indicator":true}]})",
                    "m.plx");
              }),
              HasSubstr("m.plx: preprocessing: column 'x' has a missing indicator but no fill"));
  EXPECT_THAT(error_of([] {
                Preprocessing::from_json(
                    R"({"version":1,"scaling":"minmax","columns":[{"name":"x","kind":"numeric",)"
                    R"("mean":0,"std":1,"fill":null}]})",
                    "m.plx");
              }),
              HasSubstr("scaling 'minmax' (standard or robust)"));
  EXPECT_THAT(error_of([] {
                Preprocessing::from_json(
                    R"({"version":1,"scaling":"robust","columns":[{"name":"x","kind":"numeric",)"
                    R"("median":0,"scale":0,"fill":null}]})",
                    "m.plx");
              }),
              HasSubstr("the scale must be finite and positive"));
}

TEST(DescribeColumns, SaysWhatWasDoneWithEachColumnsGaps) {
  const Table table = parse(kGaps);
  px::data::PreparedData data;
  data.task = px::data::Task::regression;
  data.preprocessing = Preprocessing::fit(table, all_rows(table), kStandard);
  data.target = px::data::Target::fit(table, all_rows(table), {});
  const auto lines = px::data::describe_columns(data);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0].second,
            "numeric (mean 3, std 2.1602469); gaps in training: filled with the median 2, plus a "
            "missing indicator");
  EXPECT_EQ(lines[1].second, "numeric (mean 2.5, std 1.11803399), missing -> 2.5");
  EXPECT_EQ(lines[2].second,
            "categorical (2 categories: a, b); gaps in training: a missing category");
  EXPECT_EQ(lines[3].second, "categorical (2 categories: p, q), missing -> p");

  TabularOptions robust;
  robust.scaling = Scaling::robust;
  data.preprocessing = Preprocessing::fit(table, all_rows(table), robust);
  EXPECT_THAT(px::data::describe_columns(data)[1].second,
              HasSubstr("numeric (median 2.5, scale 1.5, smooth clip)"));
}

TEST(ImputeSetting, AutoAndRobustByDefaultNoneAndStandardOnRequest) {
  px::train::TrainSettings settings;
  EXPECT_EQ(px::train::tabular_options(settings).impute, Impute::automatic);
  EXPECT_EQ(px::train::tabular_options(settings).scaling, Scaling::robust);
  px::train::set_from_text(settings, "impute", "none");
  px::train::set_from_text(settings, "scaling", "standard");
  EXPECT_EQ(px::train::tabular_options(settings).impute, Impute::none);
  EXPECT_EQ(px::train::tabular_options(settings).scaling, Scaling::standard);
  EXPECT_THAT(error_of([&] { px::train::set_from_text(settings, "scaling", "minmax"); }),
              HasSubstr("minmax"));
}
