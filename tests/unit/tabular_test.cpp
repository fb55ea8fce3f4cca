// Preprocessing and Target: values computed by hand (means, population stds, one-hot order),
// imputation of each kind, unseen categories, task inference, the errors (file, line, column),
// matching columns by name, and JSON round trips that transform identically.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <numeric>
#include <plexus/data/csv.hpp>
#include <plexus/data/prepare.hpp>
#include <plexus/data/tabular.hpp>
#include <plexus/error.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/error_of.hpp"

namespace px = plexus;
using px::Tensor;
using px::data::ColumnKind;
using px::data::Impute;
using px::data::Preprocessing;
using px::data::Table;
using px::data::TabularOptions;
using px::data::Target;
using px::data::Task;
using px::testing::error_of;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace {

// These tests check standard scaling's values; robust scaling (the default) has its own tests.
const TabularOptions kStandard{.scaling = px::data::Scaling::standard};

Table parse(const std::string& text, const std::string& source = "data.csv") {
  std::istringstream in(text);
  return px::data::read_csv(in, source);
}

std::vector<size_t> all_rows(const Table& table) {
  std::vector<size_t> rows(table.rows());
  std::iota(rows.begin(), rows.end(), size_t{0});
  return rows;
}

const std::string kPeople =
    "age,color,income,y\n"
    "20,red,1.0,0\n"
    "30,blue,2.0,1\n"
    "40,red,3.0,0\n"
    "50,green,6.0,1\n";

void expect_near(const std::vector<float>& actual, const std::vector<double>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) EXPECT_NEAR(actual[i], expected[i], 1e-5) << i;
}

}  // namespace

TEST(Tabular, StandardisesNumericAndOneHotsCategorical) {
  const Table table = parse(kPeople);
  const auto rows = all_rows(table);
  const Preprocessing pre = Preprocessing::fit(table, rows, kStandard);
  ASSERT_EQ(pre.columns().size(), 3u);
  const auto& age = pre.columns()[0];
  EXPECT_EQ(age.name, "age");
  EXPECT_EQ(age.kind, ColumnKind::numeric);
  EXPECT_DOUBLE_EQ(age.mean, 35.0);
  EXPECT_DOUBLE_EQ(age.std, std::sqrt(125.0));  // population std: (225 + 25 + 25 + 225) / 4
  EXPECT_EQ(pre.columns()[1].kind, ColumnKind::categorical);
  EXPECT_THAT(pre.columns()[1].categories, ElementsAre("blue", "green", "red"));
  EXPECT_DOUBLE_EQ(pre.columns()[2].mean, 3.0);
  EXPECT_DOUBLE_EQ(pre.columns()[2].std, std::sqrt(3.5));
  EXPECT_EQ(pre.output_features(), 5u);

  const Tensor x = pre.transform(table, rows);
  EXPECT_EQ(x.shape(), (px::Shape{4, 5}));
  const double a = std::sqrt(125.0), i = std::sqrt(3.5);
  expect_near(x.to_vector(), {-15 / a, 0, 0, 1, -2 / i,  //
                              -5 / a,  1, 0, 0, -1 / i,  //
                              5 / a,   0, 0, 1, 0,       //
                              15 / a,  0, 1, 0, 3 / i});
}

TEST(Tabular, FitsOnTheTrainingRowsOnly) {
  const Table table = parse(kPeople);
  const std::vector<size_t> train = {0, 1};
  const Preprocessing pre = Preprocessing::fit(table, train, kStandard);
  EXPECT_DOUBLE_EQ(pre.columns()[0].mean, 25.0);
  EXPECT_DOUBLE_EQ(pre.columns()[0].std, 5.0);
  EXPECT_THAT(pre.columns()[1].categories, ElementsAre("blue", "red"));
  const std::vector<size_t> test = {3};
  std::vector<std::string> warnings;
  const Tensor x = pre.transform(table, test, &warnings);
  expect_near(x.to_vector(), {5.0, 0, 0, (6.0 - 1.5) / 0.5});  // green: unseen, all zeros
  ASSERT_EQ(warnings.size(), 1u);
}

TEST(Tabular, ZeroStdCountsAsOne) {
  const Table table = parse("x,y\n4,0\n4,1\n");
  const Preprocessing pre = Preprocessing::fit(table, all_rows(table), kStandard);
  EXPECT_EQ(pre.columns()[0].std, 1.0);
  expect_near(pre.transform(table, all_rows(table)).to_vector(), {0, 0});
}

TEST(Tabular, UnseenCategoriesWarnOncePerColumn) {
  const Table train = parse(kPeople);
  const Preprocessing pre = Preprocessing::fit(train, all_rows(train), kStandard);
  const Table test = parse("age,color,income\n20,purple,1\n30,red,2\n40,pink,3\n", "test.csv");
  std::vector<std::string> warnings;
  const Tensor x = pre.transform(test, all_rows(test), &warnings);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], HasSubstr("test.csv:2: column 'color' (1): category 'purple'"));
  EXPECT_THAT(warnings[0], HasSubstr("2 cells"));
  const std::vector<float> v = x.to_vector();
  EXPECT_EQ(std::vector<float>(v.begin() + 1, v.begin() + 4), (std::vector<float>{0, 0, 0}));
  EXPECT_EQ(std::vector<float>(v.begin() + 6, v.begin() + 9), (std::vector<float>{0, 0, 1}));
  EXPECT_NO_THROW(pre.transform(test, all_rows(test)));  // warnings are optional
}

TEST(Tabular, MatchesColumnsByName) {
  const Table train = parse(kPeople);
  const Preprocessing pre = Preprocessing::fit(train, all_rows(train), kStandard);
  const Table shuffled = parse(
      "extra,income,color,age\n"
      "x,1.0,red,20\n"
      "y,6.0,green,50\n");
  const Tensor a = pre.transform(train, std::vector<size_t>{0, 3});
  EXPECT_EQ(pre.transform(shuffled, all_rows(shuffled)).to_vector(), a.to_vector());
  const Table missing = parse("age,income\n1,2\n");
  const std::string error = error_of([&] { pre.transform(missing, all_rows(missing)); });
  EXPECT_THAT(error, HasSubstr("data.csv: the feature column 'color' is missing"));
  EXPECT_THAT(error, HasSubstr("'age', 'income'"));
}

TEST(Tabular, TargetFeaturesIgnoreAndForcedCategorical) {
  const Table table = parse("id,zip,y,score\n1,10,a,0.5\n2,9,b,1.5\n3,10,a,2.5\n");
  TabularOptions options = kStandard;
  options.target = "y";
  options.ignore = {"id"};
  options.categorical = {"zip"};
  const Preprocessing pre = Preprocessing::fit(table, all_rows(table), options);
  ASSERT_EQ(pre.columns().size(), 3u);
  EXPECT_EQ(pre.columns()[0].name, "id");
  EXPECT_EQ(pre.columns()[0].kind, ColumnKind::ignored);
  EXPECT_THAT(pre.columns()[1].categories, ElementsAre("9", "10"));  // numeric order
  EXPECT_EQ(pre.columns()[2].name, "score");
  EXPECT_EQ(pre.output_features(), 3u);
  expect_near(pre.transform(table, all_rows(table)).to_vector(),
              {0, 1, -1 / std::sqrt(2.0 / 3.0), 1, 0, 0, 0, 1, 1 / std::sqrt(2.0 / 3.0)});
  // An explicit feature list, the target by index.
  options = kStandard;
  options.target = "2";
  options.features = {"score"};
  const Preprocessing only = Preprocessing::fit(table, all_rows(table), options);
  ASSERT_EQ(only.columns().size(), 1u);
  EXPECT_EQ(only.columns()[0].name, "score");
  EXPECT_EQ(Target::fit(table, all_rows(table), options).column, "y");
  options.features = {"y"};
  EXPECT_THAT(error_of([&] { Preprocessing::fit(table, all_rows(table), options); }),
              HasSubstr("'y' is the target"));
}

TEST(Tabular, MissingCellsAreErrorsWithoutImputation) {
  const Table table = parse("x,c,y\n1,a,0\n2,b,1\n,a,0\nNA,b,1\n");
  TabularOptions none = kStandard;
  none.impute = Impute::none;
  const std::string error = error_of([&] { Preprocessing::fit(table, all_rows(table), none); });
  EXPECT_THAT(error, HasSubstr("data.csv:4: column 'x' (0): empty cell; fill it, drop the row, or "
                               "pass --impute mean|median|most-frequent"));
  const Table na = parse("x,y\n1,0\nN/A,1\n");
  EXPECT_THAT(error_of([&] { Preprocessing::fit(na, all_rows(na), none); }),
              HasSubstr("data.csv:3: column 'x' (0): missing value 'N/A'"));
  // The UCI repository's marker: a numeric column with "?" cells stays numeric.
  const Table uci = parse("x,y\n1,0\n?,1\n3,0\n");
  EXPECT_THAT(error_of([&] { Preprocessing::fit(uci, all_rows(uci), none); }),
              HasSubstr("data.csv:3: column 'x' (0): missing value '?'"));
  TabularOptions median = kStandard;
  median.impute = Impute::median;
  const Preprocessing filled = Preprocessing::fit(uci, all_rows(uci), median);
  EXPECT_EQ(filled.columns()[0].kind, ColumnKind::numeric);
  EXPECT_EQ(filled.columns()[0].fill, "2");
  // At transform time too, for a pipeline fitted without missing cells.
  const Preprocessing pre = Preprocessing::fit(table, std::vector<size_t>{0, 1}, none);
  EXPECT_THAT(error_of([&] { pre.transform(table, all_rows(table)); }),
              HasSubstr("data.csv:4: column 'x' (0): empty cell"));
}

TEST(Tabular, ImputesEachKind) {
  // x: 1, 2, missing, 6; c: a, b, a, missing.
  const Table table = parse("x,c,y\n1,a,0\n2,b,1\n,a,0\n6,null,1\n");
  const auto rows = all_rows(table);
  auto fit = [&](Impute impute) {
    TabularOptions options = kStandard;
    options.impute = impute;
    return Preprocessing::fit(table, rows, options);
  };
  const Preprocessing mean = fit(Impute::mean);
  EXPECT_EQ(mean.columns()[0].fill, "3");
  EXPECT_DOUBLE_EQ(mean.columns()[0].mean, 3.0);  // of the filled column 1, 2, 3, 6
  EXPECT_DOUBLE_EQ(mean.columns()[0].std, std::sqrt(3.5));
  EXPECT_EQ(mean.columns()[1].fill, "a");  // categorical columns take the most frequent
  EXPECT_THAT(mean.columns()[1].categories, ElementsAre("a", "b"));
  const std::vector<float> x = mean.transform(table, rows).to_vector();
  expect_near({x[6], x[7], x[8], x[9], x[10], x[11]}, {0, 1, 0, 3 / std::sqrt(3.5), 1, 0});

  const Preprocessing median = fit(Impute::median);
  EXPECT_EQ(median.columns()[0].fill, "2");
  EXPECT_DOUBLE_EQ(median.columns()[0].mean, 11.0 / 4);
  const Preprocessing frequent = fit(Impute::most_frequent);
  EXPECT_EQ(frequent.columns()[0].fill, "1");  // all once: the smallest
  EXPECT_EQ(frequent.columns()[1].fill, "a");

  const Table even = parse("x,y\n1,0\n2,0\n10,0\n20,0\n,0\n");
  TabularOptions options = kStandard;
  options.impute = Impute::median;
  EXPECT_EQ(Preprocessing::fit(even, all_rows(even), options).columns()[0].fill, "6");
  const Table twice = parse("x,y\n5,0\n7,0\n7,0\n,0\n");
  options.impute = Impute::most_frequent;
  EXPECT_EQ(Preprocessing::fit(twice, all_rows(twice), options).columns()[0].fill, "7");
}

// A word in a numeric column reads as a missing cell where the column has a fill (every --impute
// but none), with one warning per column; without a fill it is an error naming the cell.
TEST(Tabular, TextInANumericColumnIsMissingWithAWarningOrNamesTheCell) {
  const Table train = parse("x,y\n1,0\n2,1\n4,1\n");
  const Table test = parse("x,y\n1,0\nabc,1\nn.a.,0\n", "test.csv");
  const Preprocessing pre = Preprocessing::fit(train, all_rows(train), kStandard);
  std::vector<std::string> warnings;
  const std::vector<float> x = pre.transform(test, all_rows(test), &warnings).to_vector();
  EXPECT_FLOAT_EQ(x[1], x[2]);  // both the median 2, standardised
  EXPECT_THAT(warnings, ElementsAre("test.csv:3: column 'x' (0): 'abc' is not a number; 2 cells "
                                    "of this numeric column that are not numbers read as missing "
                                    "(filled with 2)"));
  TabularOptions none = kStandard;
  none.impute = Impute::none;
  const Preprocessing strict = Preprocessing::fit(train, all_rows(train), none);
  const std::string error = error_of([&] { strict.transform(test, all_rows(test)); });
  EXPECT_THAT(error, HasSubstr("test.csv:3: column 'x' (0): 'abc' is not a number"));
  EXPECT_THAT(error, HasSubstr("--categorical x"));
}

// A word among numbers makes the column categories, as a data frame library reads it, rather
// than failing the table; prepare_table says so, with the words, unless --categorical asked.
TEST(Tabular, AWordAmongNumbersMakesTheColumnCategoriesWithANote) {
  const Table mixed = parse("x,y\n1,0\n2,1\nthree,0\n4,1\n1,0\n");
  const Preprocessing pre = Preprocessing::fit(mixed, all_rows(mixed), kStandard);
  EXPECT_EQ(pre.columns()[0].kind, ColumnKind::categorical);
  EXPECT_THAT(pre.columns()[0].categories, ElementsAre("1", "2", "4", "three"));
  const auto data = px::data::prepare_table(mixed, {.target = "y"}, {.validation_fraction = 0});
  EXPECT_THAT(data.warnings,
              ElementsAre("data.csv: column 'x' holds numbers and 1 word ('three'): its 4 values "
                          "are read as categories; to keep it numeric, fix the words or empty "
                          "those cells"));
  const auto asked = px::data::prepare_table(mixed, {.target = "y", .categorical = {"x"}},
                                             {.validation_fraction = 0});
  EXPECT_TRUE(asked.warnings.empty());
  EXPECT_THAT(asked.preprocessing->columns()[0].categories, ElementsAre("1", "2", "4", "three"));
  // Words alone need no note.
  const Table words = parse("x,y\none,0\ntwo,1\n");
  EXPECT_TRUE(
      px::data::prepare_table(words, {.target = "y"}, {.validation_fraction = 0}).warnings.empty());
}

TEST(Tabular, InfiniteValuesAreErrors) {
  for (const std::string cell : {"inf", "-inf", "1e999"}) {
    const Table table = parse("x,y\n1,0\n" + cell + ",1\n");
    const std::string error =
        error_of([&] { Preprocessing::fit(table, all_rows(table), kStandard); });
    EXPECT_THAT(error, HasSubstr("data.csv:3: column 'x' (0): '" + cell + "' is infinite"));
  }
  // "nan" is a missing-value marker, not a number.
  const Table nan = parse("x,y\n1,0\nnan,1\n");
  TabularOptions none = kStandard;
  none.impute = Impute::none;
  EXPECT_THAT(error_of([&] { Preprocessing::fit(nan, all_rows(nan), none); }),
              HasSubstr("missing value 'nan'"));
  const Table tiny = parse("x,y\n1e-400,0\n1,1\n");  // underflow is zero, not an error
  EXPECT_DOUBLE_EQ(Preprocessing::fit(tiny, all_rows(tiny), kStandard).columns()[0].mean, 0.5);
}

TEST(Tabular, TaskInference) {
  const Table strings = parse("x,y\n1,cat\n2,dog\n3,ant\n");
  const Target s = Target::fit(strings, all_rows(strings), {});
  EXPECT_EQ(s.task, Task::classification);
  EXPECT_THAT(s.classes, ElementsAre("ant", "cat", "dog"));
  EXPECT_EQ(s.encode(strings, all_rows(strings)).to_vector(), (std::vector<float>{1, 2, 0}));

  const Table ints = parse("x,y\n1,10\n2,2\n3,1\n4,2\n");
  const Target i = Target::fit(ints, all_rows(ints), {});
  EXPECT_EQ(i.task, Task::classification);
  EXPECT_THAT(i.classes, ElementsAre("1", "2", "10"));  // numeric order
  const Tensor y = i.encode(ints, all_rows(ints));
  EXPECT_EQ(y.shape(), (px::Shape{4}));
  EXPECT_EQ(y.to_vector(), (std::vector<float>{2, 1, 0, 1}));

  std::string many = "x,y\n";
  for (int k = 0; k < 21; ++k) many += std::to_string(k) + "," + std::to_string(k) + "\n";
  const Table wide = parse(many);
  EXPECT_EQ(Target::fit(wide, all_rows(wide), {}).task, Task::regression);  // 21 distinct
  const Table twenty = parse(many.substr(0, many.rfind("20,20")));
  EXPECT_EQ(Target::fit(twenty, all_rows(twenty), {}).task, Task::classification);

  const Table floats = parse("x,y\n1,0.5\n2,1.5\n3,0.5\n");
  const Target f = Target::fit(floats, all_rows(floats), {});
  EXPECT_EQ(f.task, Task::regression);
  EXPECT_TRUE(f.classes.empty());
  const Tensor v = f.encode(floats, all_rows(floats));
  EXPECT_EQ(v.shape(), (px::Shape{3, 1}));
  EXPECT_EQ(v.to_vector(), (std::vector<float>{0.5f, 1.5f, 0.5f}));

  TabularOptions forced = kStandard;
  forced.task = Task::classification;
  const Target c = Target::fit(wide, all_rows(wide), forced);
  EXPECT_EQ(c.classes.size(), 21u);
  EXPECT_EQ(c.classes.back(), "20");
  forced.task = Task::regression;
  EXPECT_THAT(error_of([&] { Target::fit(strings, all_rows(strings), forced); }),
              HasSubstr("data.csv:2: target column 'y' (1): 'cat' is not a number"));
}

TEST(Tabular, TargetErrors) {
  const Table train = parse("x,y\n1,cat\n2,dog\n");
  const Target t = Target::fit(train, all_rows(train), {});
  const Table test = parse("x,y\n1,cat\n2,emu\n", "test.csv");
  const std::string error = error_of([&] { t.encode(test, all_rows(test)); });
  EXPECT_THAT(error, HasSubstr("test.csv:3: target column 'y' (1): class 'emu'"));
  EXPECT_THAT(error, HasSubstr("a class seen only in the test file"));
  const Table gap = parse("x,y\n1,cat\n2,NA\n", "test.csv");
  EXPECT_THAT(error_of([&] { t.encode(gap, all_rows(gap)); }),
              HasSubstr("test.csv:3: target column 'y' (1): missing target; fill it or drop"));
  const Table missing = parse("x,y\n1,cat\n2,\n");
  EXPECT_THAT(error_of([&] { Target::fit(missing, all_rows(missing), {}); }),
              HasSubstr("data.csv:3: target column 'y' (1): missing target"));
  EXPECT_THAT(error_of([&] { t.encode(train, std::vector<size_t>{5}); }),
              HasSubstr("data.csv: row 5 is out of range (2 rows)"));
  const Table absent = parse("x,z\n1,2\n");
  EXPECT_THAT(error_of([&] { t.encode(absent, all_rows(absent)); }),
              HasSubstr("the target column 'y' is missing"));
}

TEST(Tabular, JsonRoundTripTransformsIdentically) {
  const Table table =
      parse("age,color,income,y\n20,red,1.0,0\n30,,2.0,1\n41,red,,0\n50,green,6.1,1\n");
  TabularOptions options = kStandard;
  options.impute = Impute::median;
  options.ignore = {"income"};
  const auto rows = all_rows(table);
  const Preprocessing pre = Preprocessing::fit(table, rows, options);
  const Preprocessing back = Preprocessing::from_json(pre.to_json(), "model.plexus");
  EXPECT_EQ(back.to_json(), pre.to_json());
  ASSERT_EQ(back.columns().size(), pre.columns().size());
  EXPECT_EQ(back.columns()[2].kind, ColumnKind::ignored);
  EXPECT_EQ(back.transform(table, rows).to_vector(), pre.transform(table, rows).to_vector());

  const Target target = Target::fit(table, rows, options);
  const Target target_back = Target::from_json(target.to_json(), "model.plexus");
  EXPECT_EQ(target_back.task, target.task);
  EXPECT_EQ(target_back.column, "y");
  EXPECT_EQ(target_back.classes, target.classes);
  EXPECT_EQ(target_back.encode(table, rows).to_vector(), target.encode(table, rows).to_vector());
}

TEST(Tabular, BadJsonNamesTheSource) {
  EXPECT_THAT(error_of([] { Preprocessing::from_json("{not json", "model.plexus"); }),
              HasSubstr("model.plexus: preprocessing does not parse"));
  EXPECT_THAT(
      error_of([] {
        Preprocessing::from_json(
            R"({"version":1,"columns":[{"name":"a","kind":"numeric","mean":0,"std":0,"fill":null}]})",
            "model.plexus");
      }),
      HasSubstr("the std must be finite and positive"));
  EXPECT_THAT(error_of([] { Target::from_json(R"({"version":1})", "model.plexus"); }),
              HasSubstr("model.plexus: target does not parse"));
}
