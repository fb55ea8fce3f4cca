// Doubles sorted as std::sort sorts them, by a radix sort: a byte of an order-preserving key at a
// time, with no comparison branches (a comparison sort of random values mispredicts a branch every
// few comparisons, which made the quantile sketch's sorts a fifth of the streaming fit's time).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

namespace plexus::data::internal {

/// Sorts `values` (no NaN) into std::sort's order. Values that compare equal have the same bits,
/// so every correct sort gives the same sequence, except for -0.0 and 0.0: values that hold both
/// are left to std::sort, so that the order of the two is the one std::sort gives.
inline void sort_doubles(std::vector<double>& values) {
  constexpr uint64_t kSign = uint64_t{1} << 63;
  const size_t n = values.size();
  if (n < 2) return;
  // Negative values' bits flipped, positive ones' sign set: unsigned order is numeric order.
  thread_local std::vector<uint64_t> keys, sorted;
  keys.resize(n);
  sorted.resize(n);
  std::array<std::array<uint32_t, 256>, 8> counts{};
  bool negative_zero = false, positive_zero = false;
  for (size_t i = 0; i < n; ++i) {
    uint64_t bits = 0;
    std::memcpy(&bits, &values[i], sizeof bits);
    negative_zero |= bits == kSign;
    positive_zero |= bits == 0;
    const uint64_t key = (bits & kSign) != 0 ? ~bits : bits | kSign;
    keys[i] = key;
    for (size_t byte = 0; byte < 8; ++byte) ++counts[byte][(key >> (8 * byte)) & 0xFF];
  }
  if (negative_zero && positive_zero) {
    std::sort(values.begin(), values.end());
    return;
  }
  for (size_t byte = 0; byte < 8; ++byte) {
    const size_t shift = 8 * byte;
    std::array<uint32_t, 256>& offsets = counts[byte];
    if (offsets[(keys[0] >> shift) & 0xFF] == n) continue;  // every key has this byte
    uint32_t sum = 0;
    for (uint32_t& offset : offsets) sum += std::exchange(offset, sum);
    for (size_t i = 0; i < n; ++i) sorted[offsets[(keys[i] >> shift) & 0xFF]++] = keys[i];
    keys.swap(sorted);
  }
  for (size_t i = 0; i < n; ++i) {
    const uint64_t bits = (keys[i] & kSign) != 0 ? keys[i] & ~kSign : ~keys[i];
    std::memcpy(&values[i], &bits, sizeof bits);
  }
}

}  // namespace plexus::data::internal
