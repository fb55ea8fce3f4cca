// QuantileSketch: exact before its first compaction; on sorted, reversed, random and heavy-tailed
// streams (and merged shards) every quantile's rank within the bound it states; memory
// logarithmic in the count; the same bytes for the same input; serialisation round trips.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <plexus/data/quantile_sketch.hpp>
#include <plexus/error.hpp>
#include <random>
#include <vector>

#include "data/radix_sort.hpp"
#include "support/error_of.hpp"

namespace px = plexus;
using px::data::QuantileSketch;
using px::testing::error_of;
using ::testing::HasSubstr;

namespace {

constexpr double kQuantiles[] = {0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1};

// numpy's default quantile of sorted values.
double exact_quantile(const std::vector<double>& sorted, double q) {
  const double position = q * static_cast<double>(sorted.size() - 1);
  const auto below = static_cast<size_t>(position);
  if (below + 1 >= sorted.size()) return sorted.back();
  return sorted[below] +
         (position - static_cast<double>(below)) * (sorted[below + 1] - sorted[below]);
}

// The rank of each quantile the sketch returns is within its stated bound, and the typical
// error (measured, not promised) is well under it.
void expect_within_bound(const QuantileSketch& sketch, std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const auto n = static_cast<double>(values.size());
  ASSERT_EQ(sketch.count(), values.size());
  const double allowed = sketch.rank_error() * n;
  EXPECT_EQ(sketch.min(), values.front());
  EXPECT_EQ(sketch.max(), values.back());
  for (const double q : kQuantiles) {
    const double v = sketch.quantile(q);
    // Values below v and at or below it; q's rank (0-based, interpolated) must fall in between,
    // give or take the bound (and the one rank the interpolation spans).
    const auto below =
        static_cast<double>(std::lower_bound(values.begin(), values.end(), v) - values.begin());
    const auto at_or_below =
        static_cast<double>(std::upper_bound(values.begin(), values.end(), v) - values.begin());
    const double rank = std::floor(q * (n - 1));
    EXPECT_LE(below, rank + 1 + allowed) << "q " << q;
    EXPECT_GE(at_or_below + allowed, rank + 1) << "q " << q;
    const double error = std::max({0.0, below - rank - 1, rank + 1 - at_or_below}) / n;
    EXPECT_LE(error, 0.01) << "q " << q << ": a rank error of " << error;
  }
}

std::vector<double> random_values(size_t n, uint64_t seed) {
  std::mt19937_64 random(seed);
  std::normal_distribution<double> normal(10, 3);
  std::vector<double> values(n);
  for (double& v : values) v = normal(random);
  return values;
}

QuantileSketch sketch_of(const std::vector<double>& values, size_t k = 200) {
  QuantileSketch sketch(k);
  for (const double v : values) sketch.add(v);
  return sketch;
}

}  // namespace

TEST(QuantileSketch, IsExactBeforeItsFirstCompaction) {
  const std::vector<double> values = {5, -1, 3.5, 3.5, 8, 2, 7, 0.25, 11, 4};
  const QuantileSketch sketch = sketch_of(values);
  std::vector<double> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sketch.rank_error(), 0);
  for (const double q : kQuantiles) EXPECT_EQ(sketch.quantile(q), exact_quantile(sorted, q)) << q;
  EXPECT_EQ(sketch.median(), 0.5 * (3.5 + 4));
  EXPECT_EQ(sketch_of({1, 9, 4}).median(), 4);
}

TEST(QuantileSketch, WeightedAddsCountAsRepeatedOnes) {
  QuantileSketch weighted, repeated;
  weighted.add(1);
  weighted.add(5, 13);
  weighted.add(9, 2);
  for (const double v : {1, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 9, 9}) repeated.add(v);
  EXPECT_EQ(weighted.count(), 16u);
  for (const double q : kQuantiles) EXPECT_EQ(weighted.quantile(q), repeated.quantile(q)) << q;
}

TEST(QuantileSketch, SortedReversedRandomAndHeavyTailedStreamsStayWithinTheBound) {
  const size_t n = 1'000'000;
  std::vector<double> sorted(n);
  for (size_t i = 0; i < n; ++i) sorted[i] = static_cast<double>(i) * 0.5;
  std::vector<double> reversed(sorted.rbegin(), sorted.rend());
  std::mt19937_64 random(7);
  std::cauchy_distribution<double> cauchy(0, 1);
  std::vector<double> heavy(200'000);
  for (double& v : heavy) v = cauchy(random);
  std::vector<double> few(100'000);  // many ties
  for (size_t i = 0; i < few.size(); ++i) few[i] = static_cast<double>((i * 7919) % 5);
  for (const auto* values : {&sorted, &reversed, &heavy, &few}) {
    const QuantileSketch sketch = sketch_of(*values);
    EXPECT_GT(sketch.rank_error(), 0);
    expect_within_bound(sketch, *values);
  }
  const std::vector<double> normal = random_values(n, 3);
  const QuantileSketch sketch = sketch_of(normal);
  expect_within_bound(sketch, normal);
  // The bound is about log2(n / k) / k.
  EXPECT_LE(sketch.rank_error(), (std::log2(static_cast<double>(n) / 200) + 1) / 200);
}

TEST(QuantileSketch, MergedShardsStayWithinTheBoundOfTheWhole) {
  std::vector<double> all;
  QuantileSketch merged;
  for (uint64_t shard = 0; shard < 7; ++shard) {
    const std::vector<double> values = random_values(30'000 + shard * 5'000, shard);
    all.insert(all.end(), values.begin(), values.end());
    merged.merge(sketch_of(values));
  }
  expect_within_bound(merged, all);
  EXPECT_THAT(error_of([] { QuantileSketch(100).merge(QuantileSketch(200)); }),
              HasSubstr("k = 200"));
}

TEST(QuantileSketch, HoldsLogarithmicallyManyValues) {
  const size_t k = 200;
  QuantileSketch sketch(k);
  std::mt19937_64 random(1);
  std::uniform_real_distribution<double> uniform;
  for (size_t n = 1; n <= 2'000'000; ++n) {
    sketch.add(uniform(random));
    if ((n & (n - 1)) == 0 && n >= k) {
      EXPECT_LE(sketch.retained(), k * static_cast<size_t>(std::log2(double(n) / k) + 2)) << n;
    }
  }
  EXPECT_LE(sketch.retained(), k * static_cast<size_t>(std::log2(2e6 / k) + 2));
}

TEST(QuantileSketch, RepeatsBitForBitAndRoundTripsThroughBytes) {
  const std::vector<double> values = random_values(100'000, 11);
  const QuantileSketch a = sketch_of(values), b = sketch_of(values);
  EXPECT_EQ(a.to_bytes(), b.to_bytes());
  const QuantileSketch copy = QuantileSketch::from_bytes(a.to_bytes(), "shard 1");
  EXPECT_EQ(copy.to_bytes(), a.to_bytes());
  for (const double q : kQuantiles) EXPECT_EQ(copy.quantile(q), a.quantile(q));
  EXPECT_EQ(copy.rank_error(), a.rank_error());

  std::vector<uint8_t> bytes = a.to_bytes();
  bytes.resize(bytes.size() - 3);
  EXPECT_THAT(error_of([&] { QuantileSketch::from_bytes(bytes, "shard 1"); }),
              HasSubstr("shard 1: truncated"));
  bytes[0] ^= 1;
  EXPECT_THAT(error_of([&] { QuantileSketch::from_bytes(bytes, "shard 1"); }),
              HasSubstr("not the bytes of a quantile sketch"));
}

TEST(QuantileSketch, RejectsNaNAndQuantilesOutsideZeroToOne) {
  QuantileSketch sketch;
  EXPECT_THAT(error_of([&] { sketch.add(std::nan("")); }), HasSubstr("NaN"));
  EXPECT_THAT(error_of([&] { sketch.quantile(0.5); }), HasSubstr("no values"));
  sketch.add(1);
  EXPECT_THAT(error_of([&] { sketch.quantile(1.5); }), HasSubstr("outside [0, 1]"));
}

// The sketch's sort against std::sort, bit for bit: lengths 0 to 600, magnitudes from subnormal to
// infinite, repeats, and zeros of one sign or of both (which std::sort itself orders).
TEST(QuantileSketch, ItsRadixSortOrdersAsStdSortBitForBit) {
  std::mt19937_64 random(21);
  std::normal_distribution<double> normal(0, 1);
  const std::vector<double> specials = {std::numeric_limits<double>::infinity(),
                                        -std::numeric_limits<double>::infinity(),
                                        std::numeric_limits<double>::denorm_min(),
                                        -std::numeric_limits<double>::denorm_min(),
                                        std::numeric_limits<double>::max(),
                                        std::numeric_limits<double>::lowest(),
                                        1.0,
                                        -1.0};
  for (int trial = 0; trial < 400; ++trial) {
    std::vector<double> values(random() % 601);
    const int zeros = static_cast<int>(random() % 4);  // none, -0 only, 0 only, both
    for (double& value : values) {
      const unsigned kind = static_cast<unsigned>(random() % 10);
      if (kind < 5)
        value = normal(random) * std::pow(10.0, static_cast<double>(random() % 40) - 20);
      if (kind >= 5 && kind < 7) value = static_cast<double>(random() % 5);  // repeats
      if (kind == 7) value = specials[random() % specials.size()];
      if (kind >= 8)
        value = zeros == 0   ? 2.5
                : zeros == 1 ? -0.0
                : zeros == 2 ? 0.0
                             : (random() % 2 ? -0.0 : 0.0);
    }
    std::vector<double> expected = values;
    std::sort(expected.begin(), expected.end());
    px::data::internal::sort_doubles(values);
    ASSERT_EQ(values.size(), expected.size());
    for (size_t i = 0; i < values.size(); ++i) {
      uint64_t got = 0, want = 0;
      std::memcpy(&got, &values[i], sizeof got);
      std::memcpy(&want, &expected[i], sizeof want);
      ASSERT_EQ(got, want) << "trial " << trial << ", position " << i;
    }
  }
}
