// A mergeable quantile sketch: the quantiles of a stream of numbers (robust scaling's median and
// quartiles) in memory that grows with the logarithm of the count, not with the count.
//
// KLL-style compactors: level h holds values that each stand for 2^h inputs; when a level holds
// k values it sorts them and promotes every other one (the odd or the even ones, a coin drawn
// from a fixed seed) to level h + 1. Each such compaction moves the rank of any value by at most
// 2^h; the sketch adds those up, so rank_error() is a bound that holds for every input, not only
// in probability. The coins make the errors cancel in practice (typically well under the bound).
// Everything is deterministic: the same values added and merged in the same order give the same
// sketch, bit for bit.
//
//   QuantileSketch sketch;
//   for (double v : column) sketch.add(v);
//   double median = sketch.quantile(0.5);
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace plexus::data {

class QuantileSketch {
 public:
  /// k: values a level holds before it compacts (rounded up to an even number >= 2). Memory is
  /// at most k * (log2(count / k) + 2) values; the rank error bound shrinks as 1 / k.
  explicit QuantileSketch(size_t k = 200);

  /// NaN is an error (it has no rank).
  void add(double value);
  /// Adds `value` `weight` times, as exactly as `weight` calls of add(value) would before any
  /// compaction (the copies go straight to the levels whose weights sum to `weight`).
  void add(double value, uint64_t weight);
  /// The sketch of both streams; `other` must have the same k.
  void merge(const QuantileSketch& other);

  /// The q-quantile (q in [0, 1]) as numpy's default computes it on the sorted values: linear
  /// between the two nearest ranks. Exact while no compaction has happened (fewer than k values
  /// added); after, the value returned has a rank within rank_error() * count() of q's.
  /// quantile(0) and quantile(1) are the exact minimum and maximum. Needs count() > 0.
  double quantile(double q) const;
  /// The middle value, or the mean of the two middle ones, as the in-memory fit computes a
  /// median (quantile(0.5) can differ from it in the last bit). Exact or within rank_error() as
  /// quantile() is.
  double median() const;
  size_t count() const { return static_cast<size_t>(count_); }
  double min() const { return min_; }
  double max() const { return max_; }
  /// A bound on |estimated rank - true rank| / count() for every value, guaranteed (not in
  /// probability): the sum of the weights of the values compacted so far, over the count. At most
  /// about log2(count / k) / k; 0 before the first compaction.
  double rank_error() const;
  /// Values held now (for the memory bound).
  size_t retained() const;
  size_t k() const { return k_; }

  /// Little-endian bytes that from_bytes reads back into an equal sketch (for merging across
  /// processes). `source` names the bytes in errors.
  std::vector<uint8_t> to_bytes() const;
  static QuantileSketch from_bytes(std::span<const uint8_t> bytes, std::string_view source);

 private:
  struct Item {
    double value;
    uint64_t weight;
  };
  void compact(size_t level);
  void compact_full_levels();
  std::vector<Item> sorted_items() const;
  static double value_at_rank(const std::vector<Item>& items, uint64_t rank);

  size_t k_;
  uint64_t count_ = 0;
  uint64_t compacted_weight_ = 0;  // over compactions, the weight 2^h of the level compacted
  uint64_t coins_;                 // splitmix64 state
  double min_, max_;
  std::vector<std::vector<double>> levels_;
};

}  // namespace plexus::data
