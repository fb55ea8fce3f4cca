// Little-endian bytes for state that processes exchange to merge (the quantile sketch, the
// preprocessing accumulator): numbers and strings appended to a buffer, and read back with a
// check on every read, so that truncated or foreign bytes are an error naming their source; and
// the accumulator's pieces (cell errors, counts of distinct cells) in those bytes.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/check.hpp"
#include "plexus/data/csv.hpp"

namespace plexus::data::internal {

static_assert(std::endian::native == std::endian::little, "byte images assume little endian");

class ByteWriter {
 public:
  void u64(uint64_t value) { raw(&value, sizeof value); }
  void f64(double value) { raw(&value, sizeof value); }
  void text(std::string_view value) {
    u64(value.size());
    raw(value.data(), value.size());
  }
  void bytes(std::span<const uint8_t> value) {
    u64(value.size());
    raw(value.data(), value.size());
  }
  std::vector<uint8_t> take() { return std::move(out_); }

 private:
  void raw(const void* data, size_t size) {
    const auto* p = static_cast<const uint8_t*>(data);
    out_.insert(out_.end(), p, p + size);
  }
  std::vector<uint8_t> out_;
};

class ByteReader {
 public:
  ByteReader(std::span<const uint8_t> bytes, std::string_view source)
      : bytes_(bytes), source_(source) {}

  uint64_t u64() {
    uint64_t value;
    raw(&value, sizeof value);
    return value;
  }
  double f64() {
    double value;
    raw(&value, sizeof value);
    return value;
  }
  std::string text() {
    const uint64_t size = length();
    std::string value(size, '\0');
    raw(value.data(), size);
    return value;
  }
  std::span<const uint8_t> bytes() {
    const uint64_t size = length();
    const auto value = bytes_.subspan(pos_, size);
    pos_ += size;
    return value;
  }
  // A count of things that each take at least one byte: more than are left means corrupt bytes,
  // caught before a huge allocation.
  uint64_t length() {
    const uint64_t size = u64();
    PLEXUS_CHECK(size <= bytes_.size() - pos_, source_, ": corrupt state (a length of ", size,
                 " with ", bytes_.size() - pos_, " bytes left)");
    return size;
  }
  void expect(uint64_t tag, const char* what) {
    PLEXUS_CHECK(u64() == tag, source_, ": not the bytes of a ", what);
  }
  void finish() {
    PLEXUS_CHECK(pos_ == bytes_.size(), source_, ": ", bytes_.size() - pos_,
                 " bytes left over after the state");
  }

 private:
  void raw(void* data, size_t size) {
    PLEXUS_CHECK(size <= bytes_.size() - pos_, source_, ": truncated state (", bytes_.size(),
                 " bytes)");
    std::memcpy(data, bytes_.data() + pos_, size);
    pos_ += size;
  }
  std::span<const uint8_t> bytes_;
  std::string_view source_;
  size_t pos_ = 0;
};

// Counts of distinct cells (categories, classes); looks up string_views without building
// strings.
struct TextHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using Counts = std::unordered_map<std::string, uint64_t, TextHash, std::equal_to<>>;

inline void write_error(ByteWriter& out, const std::optional<CellError>& error) {
  out.u64(error.has_value());
  if (!error) return;
  out.text(error->what());
  out.u64(error->row());
  out.u64(error->line());
  out.u64(error->column());
}

inline std::optional<CellError> read_error(ByteReader& in) {
  if (in.u64() == 0) return std::nullopt;
  std::string message = in.text();
  const uint64_t row = in.u64(), line = in.u64(), column = in.u64();
  return CellError(message, row, line, column);
}

inline void write_counts(ByteWriter& out, const Counts& counts) {
  std::map<std::string_view, uint64_t> sorted(counts.begin(), counts.end());  // bytes repeat
  out.u64(sorted.size());
  for (const auto& [text, count] : sorted) {
    out.text(text);
    out.u64(count);
  }
}

inline Counts read_counts(ByteReader& in) {
  Counts counts;
  for (uint64_t n = in.length(); n > 0; --n) {
    std::string text = in.text();
    counts[std::move(text)] = in.u64();
  }
  return counts;
}

}  // namespace plexus::data::internal
