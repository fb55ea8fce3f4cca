// Where the fields of CSV text end: the next delimiter or line-break byte, found from a bit mask of
// 64 bytes at a time; and how many lines a text holds. On x86-64 with SSE2 (part of the base
// instruction set, so no CPU check is needed); elsewhere (WebAssembly, ARM) one byte at a time.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace plexus::data::internal {

class FieldEnds {
 public:
  explicit FieldEnds(char delimiter) : delimiter_(delimiter) {
    ends_.fill(false);
    for (const char c : {delimiter, '\n', '\r'}) ends_[static_cast<unsigned char>(c)] = true;
  }

  /// The first byte of text[from, size) that is the delimiter, '\n' or '\r'; `size` when none.
  /// The mask of the last block looked at is kept, so the bytes at and after `from` must not
  /// have changed since an earlier call looked at them (bytes before `from` may have).
  size_t next(const char* text, size_t size, size_t from) {
    for (;;) {
      if (from >= block_ && from < block_end_) {
        const uint64_t later = mask_ >> (from - block_);
        if (later != 0) return from + static_cast<size_t>(std::countr_zero(later));
        from = block_end_;
      }
      if (from >= size) return size;
      look_at(text, size, from);
    }
  }

 private:
  static constexpr size_t kBlock = 64;

  void look_at(const char* text, size_t size, size_t from) {
    block_ = from;
    if (size - from >= kBlock) {
      mask_ = block_mask(text + from);
      block_end_ = from + kBlock;
      return;
    }
    mask_ = 0;
    for (size_t i = 0; i < size - from; ++i)
      mask_ |= uint64_t{ends_[static_cast<unsigned char>(text[from + i])]} << i;
    block_end_ = size;
  }

  // Bit i set where p[i] ends a field.
  uint64_t block_mask(const char* p) const {
#if defined(__SSE2__)
    const __m128i delimiter = _mm_set1_epi8(delimiter_);
    const __m128i newline = _mm_set1_epi8('\n');
    const __m128i carriage_return = _mm_set1_epi8('\r');
    uint64_t mask = 0;
    for (size_t part = 0; part < kBlock / 16; ++part) {
      const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + part * 16));
      const __m128i hits = _mm_or_si128(
          _mm_or_si128(_mm_cmpeq_epi8(bytes, delimiter), _mm_cmpeq_epi8(bytes, newline)),
          _mm_cmpeq_epi8(bytes, carriage_return));
      mask |= uint64_t{static_cast<uint16_t>(_mm_movemask_epi8(hits))} << (part * 16);
    }
    return mask;
#else
    uint64_t mask = 0;
    for (size_t i = 0; i < kBlock; ++i)
      mask |= uint64_t{p[i] == delimiter_ || p[i] == '\n' || p[i] == '\r'} << i;
    return mask;
#endif
  }

  char delimiter_;
  std::array<bool, 256> ends_{};
  size_t block_ = 0, block_end_ = 0;  // the bytes mask_ covers
  uint64_t mask_ = 0;
};

/// How many '\n' bytes `text` holds: 16 bytes at a time with SSE2, each block's matches counted
/// in byte lanes and summed every 255 blocks.
inline size_t count_newlines(std::string_view text) {
  const char* const p = text.data();
  size_t count = 0, i = 0;
#if defined(__SSE2__)
  const __m128i newline = _mm_set1_epi8('\n');
  while (text.size() - i >= 16) {
    const size_t blocks = std::min<size_t>((text.size() - i) / 16, 255);
    __m128i lanes = _mm_setzero_si128();
    for (size_t b = 0; b < blocks; ++b, i += 16) {
      const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
      lanes = _mm_sub_epi8(lanes, _mm_cmpeq_epi8(bytes, newline));  // a match is -1
    }
    const __m128i sums = _mm_sad_epu8(lanes, _mm_setzero_si128());
    count += static_cast<size_t>(_mm_cvtsi128_si32(sums)) +
             static_cast<size_t>(_mm_cvtsi128_si32(_mm_unpackhi_epi64(sums, sums)));
  }
#endif
  for (; i < text.size(); ++i) count += p[i] == '\n';
  return count;
}

}  // namespace plexus::data::internal
