// PreprocessingAccumulator against Preprocessing::fit and Target::fit: on small tables, fed in
// one chunk, in chunks, and merged from shards through bytes, the same pipeline (to the bit where
// the statistics are exact, to rounding for standard deviations); past the sketch's size, medians
// and quartiles within its rank bound; and the errors the in-memory fit raises.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <plexus/data/csv.hpp>
#include <plexus/data/streaming_fit.hpp>
#include <plexus/data/tabular.hpp>
#include <plexus/error.hpp>
#include <random>
#include <string>
#include <vector>

#include "support/error_of.hpp"

namespace px = plexus;
using px::data::Impute;
using px::data::PreprocessingAccumulator;
using px::data::Scaling;
using px::data::Table;
using px::data::TabularOptions;
using px::testing::error_of;
using ::testing::HasSubstr;

namespace {

std::vector<size_t> all_rows(const Table& table) {
  std::vector<size_t> rows(table.rows());
  std::iota(rows.begin(), rows.end(), size_t{0});
  return rows;
}

// Rows [begin, end) of `table` as a table of their own, as a stream's chunk would be.
Table chunk(const Table& table, size_t begin, size_t end) {
  std::vector<std::vector<std::string>> rows;
  for (size_t r = begin; r < end; ++r) {
    std::vector<std::string> cells;
    for (size_t c = 0; c < table.cols(); ++c) cells.emplace_back(table.cell(r, c));
    rows.push_back(std::move(cells));
  }
  return Table(table.source(), table.columns(), rows);
}

// The table in chunks of `size` rows, into one accumulator.
PreprocessingAccumulator streamed(const Table& table, const TabularOptions& options, size_t size) {
  PreprocessingAccumulator acc(table.columns(), options, table.source());
  for (size_t begin = 0; begin < table.rows(); begin += size)
    acc.add(chunk(table, begin, std::min(table.rows(), begin + size)));
  return acc;
}

// Three shards, each accumulated alone, sent as bytes and merged in order.
PreprocessingAccumulator sharded(const Table& table, const TabularOptions& options) {
  PreprocessingAccumulator acc(table.columns(), options, table.source());
  const size_t third = table.rows() / 3;
  for (size_t s = 0; s < 3; ++s) {
    PreprocessingAccumulator shard(table.columns(), options, table.source());
    shard.add(chunk(table, s * third, s == 2 ? table.rows() : (s + 1) * third));
    acc.merge(PreprocessingAccumulator::from_bytes(shard.to_bytes(), table.columns(), options,
                                                   table.source()));
  }
  return acc;
}

// Everything but the standard deviations must match exactly; those to rounding.
void expect_same_fit(const Table& table, const TabularOptions& options,
                     const PreprocessingAccumulator& acc) {
  const auto rows = all_rows(table);
  const px::data::Preprocessing expected = px::data::Preprocessing::fit(table, rows, options);
  px::data::Preprocessing got = acc.preprocessing();
  ASSERT_EQ(got.columns().size(), expected.columns().size());
  std::vector<px::data::ColumnInfo> columns = got.columns();
  for (size_t i = 0; i < columns.size(); ++i) {
    EXPECT_NEAR(columns[i].std, expected.columns()[i].std, 1e-12 * expected.columns()[i].std)
        << columns[i].name;
    columns[i].std = expected.columns()[i].std;
  }
  got = px::data::Preprocessing(columns, got.scaling());
  EXPECT_EQ(got.to_json(), expected.to_json());
  EXPECT_EQ(acc.target().to_json(), px::data::Target::fit(table, rows, options).to_json());
  EXPECT_EQ(acc.rows(), table.rows());
}

// Numbers with gaps, a text category with gaps, digits that are categories, an id to ignore, a
// class target; values are multiples of 1/4, so that sums are exact in any order.
Table mixed_table(size_t n, uint64_t seed) {
  std::mt19937_64 random(seed);
  std::vector<std::vector<std::string>> rows;
  const char* colours[] = {"red", "green", "blue", "teal"};
  for (size_t i = 0; i < n; ++i) {
    const auto a = static_cast<double>(random() % 400) / 4 - 30;
    const auto b = static_cast<double>(random() % 4000) / 4 + 1900;
    rows.push_back(
        {random() % 9 == 0 ? "" : std::to_string(a), random() % 11 == 0 ? "NA" : std::to_string(b),
         random() % 7 == 0 ? "" : colours[random() % 4], std::to_string(random() % 3 + 1),
         std::to_string(i) + "th", std::to_string(random() % 3)});
  }
  return Table("mixed.csv", {"a", "year", "colour", "grade", "id", "label"}, rows);
}

}  // namespace

TEST(StreamingFit, MatchesTheInMemoryFitForEveryImputeAndScaling) {
  const Table table = mixed_table(300, 1);
  for (const Impute impute :
       {Impute::mean, Impute::median, Impute::most_frequent, Impute::automatic}) {
    for (const Scaling scaling : {Scaling::standard, Scaling::robust}) {
      TabularOptions options;
      options.impute = impute;
      options.scaling = scaling;
      options.ignore = {"id"};
      options.categorical = {"grade"};
      SCOPED_TRACE(::testing::Message()
                   << "impute " << int(impute) << ", scaling " << int(scaling));
      expect_same_fit(table, options, streamed(table, options, table.rows()));
      expect_same_fit(table, options, streamed(table, options, 7));
      expect_same_fit(table, options, sharded(table, options));
    }
  }
}

TEST(StreamingFit, MatchesWithoutGapsUnderImputeNoneAndForARegressionTarget) {
  std::vector<std::vector<std::string>> rows;
  for (int i = 0; i < 200; ++i)
    rows.push_back({std::to_string(i % 17), i % 3 ? "x" : "y", std::to_string(i * 0.5 + 0.25)});
  const Table table("reg.csv", {"n", "t", "y"}, rows);
  TabularOptions options;
  options.impute = Impute::none;
  expect_same_fit(table, options, streamed(table, options, 13));
  EXPECT_EQ(streamed(table, options, 13).target().task, px::data::Task::regression);
  options.task = px::data::Task::classification;
  expect_same_fit(table, options, sharded(table, options));
}

TEST(StreamingFit, LeavesOutAColumnEmptyInEveryTrainingRowAsTheInMemoryFitDoes) {
  std::vector<std::vector<std::string>> rows;
  for (int i = 0; i < 60; ++i)
    rows.push_back({std::to_string(i), i % 2 ? "" : "NA", "", "ab"[i % 2] + std::string()});
  const Table table("gaps.csv", {"n", "empty", "text", "label"}, rows);
  TabularOptions options;
  options.categorical = {"text"};
  expect_same_fit(table, options, streamed(table, options, 7));
  expect_same_fit(table, options, sharded(table, options));
  EXPECT_EQ(streamed(table, options, 7).preprocessing().output_features(), 1u);
}

TEST(StreamingFit, CountsRowsAndMissingCells) {
  const Table table = mixed_table(120, 2);
  TabularOptions options;
  options.ignore = {"id"};
  const PreprocessingAccumulator acc = sharded(table, options);
  std::vector<uint64_t> expected(table.cols(), 0);
  for (size_t r = 0; r < table.rows(); ++r)
    for (const size_t c : {0, 1, 2})
      expected[c] += table.cell(r, c).empty() || table.cell(r, c) == "NA";
  EXPECT_EQ(acc.missing_cells(), expected);
  EXPECT_GT(expected[0], 0u);
  EXPECT_EQ(acc.rows(), 120u);
}

TEST(StreamingFit, PastTheSketchMediansAndQuartilesStayWithinItsBound) {
  // 20000 rows, more than the sketch holds; kinds, categories, indicators and the target exact.
  const Table table = mixed_table(20000, 3);
  TabularOptions options;
  options.ignore = {"id"};
  const auto rows = all_rows(table);
  const px::data::Preprocessing expected = px::data::Preprocessing::fit(table, rows, options);
  const px::data::Preprocessing got = sharded(table, options).preprocessing();
  for (size_t i = 0; i < got.columns().size(); ++i) {
    const auto& e = expected.columns()[i];
    const auto& g = got.columns()[i];
    EXPECT_EQ(g.kind, e.kind);
    EXPECT_EQ(g.categories, e.categories);
    EXPECT_EQ(g.missing_indicator, e.missing_indicator);
    EXPECT_EQ(g.missing_category, e.missing_category);
    if (g.kind != px::data::ColumnKind::numeric) continue;
    // The fitted median's rank among the column's present values: log2(20000 / 1024) / 1024 is
    // 0.4% of the rows.
    std::vector<double> present;
    for (size_t r = 0; r < table.rows(); ++r)
      if (!table.cell(r, i).empty() && table.cell(r, i) != "NA")
        present.push_back(std::stod(std::string(table.cell(r, i))));
    std::sort(present.begin(), present.end());
    const auto n = static_cast<double>(present.size());
    const auto below = std::lower_bound(present.begin(), present.end(), g.median) - present.begin();
    const auto at = std::upper_bound(present.begin(), present.end(), g.median) - present.begin();
    EXPECT_LE(static_cast<double>(below), n / 2 + 0.004 * n + 1) << g.name;
    EXPECT_GE(static_cast<double>(at), n / 2 - 0.004 * n - 1) << g.name;
    EXPECT_NEAR(g.scale, e.scale, 0.05 * e.scale) << g.name;
  }
  EXPECT_EQ(sharded(table, options).target().to_json(),
            px::data::Target::fit(table, rows, options).to_json());
}

TEST(StreamingFit, RaisesTheInMemoryFitsErrorsAndReadsAWordAmongNumbersAsItDoes) {
  std::vector<std::vector<std::string>> rows;
  for (int i = 0; i < 30; ++i)
    rows.push_back({i == 17 ? "oops" : std::to_string(i), std::to_string(i) + "c", "1.5"});
  const Table table("bad.csv", {"x", "c", "y"}, rows);
  TabularOptions options;
  // A word among numbers: categories, in chunks as in memory.
  expect_same_fit(table, options, streamed(table, options, 4));
  EXPECT_EQ(streamed(table, options, 4).preprocessing().columns()[0].kind,
            px::data::ColumnKind::categorical);

  // Too many categories for the limit: an error naming the column, at once for a forced one.
  TabularOptions only_c;
  only_c.features = {"c"};
  PreprocessingAccumulator capped(table.columns(), only_c, "bad.csv", 25);
  capped.add(table);
  EXPECT_THAT(error_of([&] { capped.preprocessing(); }),
              HasSubstr("bad.csv: column 'c' (1) has more than 25 distinct categories"));
  only_c.categorical = {"c"};
  PreprocessingAccumulator forced(table.columns(), only_c, "bad.csv", 25);
  EXPECT_THAT(error_of([&] { forced.add(table); }), HasSubstr("more than 25 distinct"));

  // A missing target, and columns that do not match.
  const Table gap("gap.csv", {"x", "c", "y"}, {{"1", "a", ""}});
  EXPECT_THAT(error_of([&] { PreprocessingAccumulator(gap.columns(), {}).add(gap); }),
              HasSubstr("gap.csv[0]: target column 'y' (2): missing target"));
  const Table other("other.csv", {"x", "y"}, {{"1", "2"}});
  EXPECT_THAT(error_of([&] { PreprocessingAccumulator(table.columns(), {}).add(other); }),
              HasSubstr("other.csv: the columns differ"));
  EXPECT_THAT(error_of([&] { PreprocessingAccumulator(table.columns(), {}).preprocessing(); }),
              HasSubstr("no training rows"));
  TabularOptions contradicting;
  contradicting.ignore = {"y"};
  EXPECT_THAT(error_of([&] { PreprocessingAccumulator(table.columns(), contradicting); }),
              HasSubstr("is the target; it cannot also be ignored"));
}

TEST(StreamingFit, MostFrequentPastTheLimitStillFindsAFrequentValue) {
  // 7.5 in a third of the rows, the rest distinct: far more distinct values than the limit of 25.
  std::vector<std::vector<std::string>> rows;
  for (int i = 0; i < 300; ++i)
    rows.push_back({i % 3 == 0 ? "7.5" : std::to_string(100 + i), i % 2 ? "a" : "b"});
  const Table table("mf.csv", {"f", "y"}, rows);
  TabularOptions options;
  options.impute = Impute::most_frequent;
  const px::data::Preprocessing expected =
      px::data::Preprocessing::fit(table, all_rows(table), options);
  ASSERT_EQ(expected.columns()[0].fill, "7.5");
  for (const size_t size : {300, 7}) {
    PreprocessingAccumulator acc(table.columns(), options, "mf.csv", 25);
    for (size_t begin = 0; begin < table.rows(); begin += size)
      acc.add(chunk(table, begin, std::min(table.rows(), begin + size)));
    EXPECT_EQ(acc.preprocessing().columns()[0].fill, "7.5") << size;
  }
}
