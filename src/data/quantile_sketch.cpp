// The compactors of QuantileSketch. A compaction of 2m sorted values of weight w keeps every other
// one at weight 2w; for any y, the weight at or below y changes by 0 (an even number of the 2m at
// or below y) or by w (odd), up when the odd-indexed values are kept and down when the even ones
// are. That is why the bound adds w per compaction, and why a fair coin makes the errors cancel.
// Level 0 takes values as they come and is sorted when full; the levels above are kept sorted
// (what moves up is merged in), which halves the time spent sorting.
#include "plexus/data/quantile_sketch.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "base/check.hpp"
#include "data/bytes.hpp"
#include "data/radix_sort.hpp"

namespace plexus::data {

namespace {

constexpr uint64_t kTag = 0x706c78716b6c6c31;  // "plxqkll1"
constexpr uint64_t kSeed = 0x9e3779b97f4a7c15;

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return z ^ (z >> 31);
}

}  // namespace

QuantileSketch::QuantileSketch(size_t k)
    : k_(std::max<size_t>(2, k + k % 2)),
      coins_(kSeed),
      min_(std::numeric_limits<double>::infinity()),
      max_(-std::numeric_limits<double>::infinity()),
      levels_(1) {
  levels_[0].reserve(k_);
}

void QuantileSketch::add(double value) {
  PLEXUS_CHECK(!std::isnan(value), "QuantileSketch: NaN has no rank");
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  ++count_;
  levels_[0].push_back(value);
  if (levels_[0].size() >= k_) compact_full_levels();
}

void QuantileSketch::add(double value, uint64_t weight) {
  PLEXUS_CHECK(!std::isnan(value), "QuantileSketch: NaN has no rank");
  if (weight == 0) return;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  count_ += weight;
  for (size_t level = 0; weight != 0; ++level, weight >>= 1) {
    if (levels_.size() <= level) levels_.emplace_back();
    if (!(weight & 1)) continue;
    std::vector<double>& values = levels_[level];
    values.insert(level == 0 ? values.end() : std::upper_bound(values.begin(), values.end(), value),
                  value);
  }
  compact_full_levels();
}

void QuantileSketch::merge(const QuantileSketch& other) {
  PLEXUS_CHECK(other.k_ == k_, "QuantileSketch: cannot merge a sketch of k = ", other.k_,
               " into one of k = ", k_);
  if (other.count_ == 0) return;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  count_ += other.count_;
  compacted_weight_ += other.compacted_weight_;
  if (levels_.size() < other.levels_.size()) levels_.resize(other.levels_.size());
  for (size_t h = 0; h < other.levels_.size(); ++h) {
    std::vector<double>& values = levels_[h];
    const auto old_size = static_cast<std::ptrdiff_t>(values.size());
    values.insert(values.end(), other.levels_[h].begin(), other.levels_[h].end());
    if (h > 0) std::inplace_merge(values.begin(), values.begin() + old_size, values.end());
  }
  compact_full_levels();
}

void QuantileSketch::compact_full_levels() {
  for (size_t h = 0; h < levels_.size(); ++h)
    if (levels_[h].size() >= k_) compact(h);
}

void QuantileSketch::compact(size_t level) {
  if (levels_.size() == level + 1) levels_.emplace_back();
  std::vector<double>& values = levels_[level];
  if (level == 0) internal::sort_doubles(values);
  // An odd one out (the largest) stays at this level, so that the rest pair up.
  const size_t paired = values.size() - values.size() % 2;
  const size_t first = splitmix64(coins_) & 1;
  std::vector<double>& above = levels_[level + 1];
  const auto old_size = static_cast<std::ptrdiff_t>(above.size());
  for (size_t i = first; i < paired; i += 2) above.push_back(values[i]);
  std::inplace_merge(above.begin(), above.begin() + old_size, above.end());
  values.erase(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(paired));
  compacted_weight_ += uint64_t{1} << level;
}

std::vector<QuantileSketch::Item> QuantileSketch::sorted_items() const {
  PLEXUS_CHECK(count_ > 0, "QuantileSketch: no values to take a quantile of");
  std::vector<Item> items;
  items.reserve(retained());
  for (size_t h = 0; h < levels_.size(); ++h)
    for (const double v : levels_[h]) items.push_back({v, uint64_t{1} << h});
  std::sort(items.begin(), items.end(),
            [](const Item& a, const Item& b) { return a.value < b.value; });
  return items;
}

// The value of 0-based rank `rank` among the items expanded by their weights.
double QuantileSketch::value_at_rank(const std::vector<Item>& items, uint64_t rank) {
  uint64_t below = 0;
  for (const Item& item : items) {
    below += item.weight;
    if (rank < below) return item.value;
  }
  return items.back().value;
}

double QuantileSketch::quantile(double q) const {
  PLEXUS_CHECK(q >= 0 && q <= 1, "QuantileSketch: quantile ", q, " is outside [0, 1]");
  const std::vector<Item> items = sorted_items();
  if (q == 0) return min_;
  if (q == 1) return max_;
  const double position = q * static_cast<double>(count_ - 1);
  const auto below = static_cast<uint64_t>(position);
  const double lower = value_at_rank(items, below);
  if (below + 1 >= count_) return lower;
  const double fraction = position - static_cast<double>(below);
  const double upper = value_at_rank(items, below + 1);
  return lower + fraction * (upper - lower);
}

double QuantileSketch::median() const {
  const std::vector<Item> items = sorted_items();
  const uint64_t mid = count_ / 2;
  const double upper = value_at_rank(items, mid);
  if (count_ % 2 == 1) return upper;
  return 0.5 * (value_at_rank(items, mid - 1) + upper);
}

double QuantileSketch::rank_error() const {
  return count_ == 0 ? 0.0 : static_cast<double>(compacted_weight_) / static_cast<double>(count_);
}

size_t QuantileSketch::retained() const {
  size_t n = 0;
  for (const auto& level : levels_) n += level.size();
  return n;
}

std::vector<uint8_t> QuantileSketch::to_bytes() const {
  internal::ByteWriter out;
  out.u64(kTag);
  out.u64(k_);
  out.u64(count_);
  out.u64(compacted_weight_);
  out.u64(coins_);
  out.f64(min_);
  out.f64(max_);
  out.u64(levels_.size());
  for (const auto& level : levels_) {
    out.u64(level.size());
    for (const double v : level) out.f64(v);
  }
  return out.take();
}

QuantileSketch QuantileSketch::from_bytes(std::span<const uint8_t> bytes, std::string_view source) {
  internal::ByteReader in(bytes, source);
  in.expect(kTag, "quantile sketch");
  QuantileSketch sketch(in.u64());
  sketch.count_ = in.u64();
  sketch.compacted_weight_ = in.u64();
  sketch.coins_ = in.u64();
  sketch.min_ = in.f64();
  sketch.max_ = in.f64();
  sketch.levels_.resize(in.length());
  uint64_t weight = 0;
  for (size_t h = 0; h < sketch.levels_.size(); ++h) {
    auto& level = sketch.levels_[h];
    level.resize(in.length());
    for (double& v : level) v = in.f64();
    PLEXUS_CHECK(h < 64 && level.size() < sketch.k_ &&
                     (h == 0 || std::is_sorted(level.begin(), level.end())),
                 source, ": corrupt quantile sketch (a level over its capacity or out of order)");
    weight += level.size() << h;
  }
  PLEXUS_CHECK(weight == sketch.count_, source, ": corrupt quantile sketch (its levels hold ",
               weight, " values' weight, its count says ", sketch.count_, ")");
  in.finish();
  return sketch;
}

}  // namespace plexus::data
