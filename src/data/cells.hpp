// What a CSV cell holds: nothing (a missing-value marker), a finite number, a number too large or
// not finite, or text. Shared by the CSV reader (header detection) and tabular preprocessing.
#pragma once

#include <bit>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>

#include "base/compat.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace plexus::data::internal {

enum class CellKind { missing, number, non_finite, text };

struct Cell {
  CellKind kind;
  double value = 0;
};

inline bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (x != b[i]) return false;
  }
  return true;
}

inline std::string_view trim(std::string_view s) {
  const char* begin = s.data();
  const char* end = begin + s.size();
  while (begin != end && (*begin == ' ' || *begin == '\t')) ++begin;
  while (end != begin && (end[-1] == ' ' || end[-1] == '\t')) --end;
  return {begin, static_cast<size_t>(end - begin)};
}

// NA, N/A, NaN, null in any case: the markers pandas and R write for a missing value; and "?",
// the UCI repository's.
inline bool is_missing_marker(std::string_view s) {
  return s == "?" || equals_ignoring_case(s, "na") || equals_ignoring_case(s, "n/a") ||
         equals_ignoring_case(s, "nan") || equals_ignoring_case(s, "null");
}

/// Empty (or blank), or a missing-value marker.
inline bool is_missing(std::string_view s) {
  s = trim(s);
  return s.empty() || is_missing_marker(s);
}

// Appends the decimal digits at `p` to `digits` (wrapping past 19 of them, which the caller
// refuses); returns where they stop.
inline const char* read_digits(const char* p, const char* end, uint64_t& digits) {
  uint64_t value = digits;
  for (; p != end; ++p) {
    const auto digit = static_cast<unsigned char>(*p - '0');  // a non-digit wraps past 9
    if (digit > 9) break;
    value = value * 10 + digit;
  }
  digits = value;
  return p;
}

// A plain decimal ("-12.5", "3", "1.25e-3") whose digits fit a double exactly and whose power of
// ten is within 10^22, read with one multiplication or division: both operands are exact, so the
// result is the correctly rounded value, the one from_chars gives (Clinger's fast path). Most
// cells of a numeric CSV are such; anything else (more digits, ".5", "1.", inf) returns false.
inline bool parse_plain_decimal(std::string_view s, double& value) {
  static constexpr double kPowers[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  constexpr ptrdiff_t kMaxDigits = 19;  // fits uint64_t; the bound below is 2^53
  const char* p = s.data();
  const char* const end = p + s.size();
  const bool negative = p != end && *p == '-';
  p += negative;
  uint64_t digits = 0;
  int exponent = 0;
  const char* const integer_start = p;
  p = read_digits(p, end, digits);
  if (p == integer_start) return false;
  ptrdiff_t count = p - integer_start;
  if (p != end && *p == '.') {
    const char* const fraction_start = ++p;
    p = read_digits(p, end, digits);
    if (p == fraction_start) return false;
    count += p - fraction_start;
    exponent = -static_cast<int>(p - fraction_start);
  }
  if (p != end && (*p == 'e' || *p == 'E')) {
    ++p;
    const bool negative_exponent = p != end && *p == '-';
    if (p != end && (*p == '-' || *p == '+')) ++p;
    const char* const exponent_start = p;
    int written = 0;
    for (; p != end && *p >= '0' && *p <= '9' && p - exponent_start < 4; ++p)
      written = written * 10 + (*p - '0');
    if (p == exponent_start) return false;
    exponent += negative_exponent ? -written : written;
  }
  if (p != end || count > kMaxDigits || digits > (uint64_t{1} << 53)) return false;
  if (exponent < -22 || exponent > 22) return false;
  double result = static_cast<double>(digits);
  result = exponent < 0 ? result / kPowers[-exponent] : result * kPowers[exponent];
  value = negative ? -result : result;
  return true;
}

// A plain decimal's value as a division still to do: signed digits over a power of ten, both
// exact in a double, so the quotient is the correctly rounded value (-(a / b) is (-a) / b in
// IEEE arithmetic). A caller that reads many cells can do their divisions together.
struct Quotient {
  double numerator = 0;
  double denominator = 1;
};

#if defined(__SSE2__)
// Eight digit values (0-9), one a byte, the first the most significant: their number, by three
// multiplications instead of eight dependent steps.
inline uint64_t eight_digits(uint64_t bytes) {
  bytes = bytes * 10 + (bytes >> 8);  // pairs
  constexpr uint64_t kMask = 0x000000FF000000FF;
  constexpr uint64_t kHundredsAndMillions = 100 + (1000000ULL << 32);
  constexpr uint64_t kOnesAndTenThousands = 1 + (10000ULL << 32);
  return (((bytes & kMask) * kHundredsAndMillions) +
          (((bytes >> 16) & kMask) * kOnesAndTenThousands)) >>
         32;
}

// parse_plain_decimal for a cell whose text is followed by at least 17 readable bytes before
// `readable_end` (a cell in a table's text), as a Quotient: the common cell, an optional '-' and
// up to 16 digits with at most one point between them, is read without a branch per byte (which
// the digits' varying counts make hard to predict); anything else goes to parse_plain_decimal
// (its value over 1). The same digits and power of ten, so the same double, bit for bit.
inline bool parse_plain_decimal(std::string_view s, const char* readable_end, Quotient& quotient) {
  const auto fall_back = [&] {
    quotient.denominator = 1;
    return parse_plain_decimal(s, quotient.numerator);
  };
  const char* p = s.data();
  const bool negative = !s.empty() && *p == '-';
  const size_t length = s.size() - negative;
  p += negative;
  if (length == 0 || length > 16 || readable_end - p < 17) return fall_back();
  const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const unsigned in_cell = (1u << length) - 1;
  const unsigned digit_bytes = static_cast<unsigned>(_mm_movemask_epi8(
                                   _mm_and_si128(_mm_cmpgt_epi8(bytes, _mm_set1_epi8('0' - 1)),
                                                 _mm_cmplt_epi8(bytes, _mm_set1_epi8('9' + 1))))) &
                               in_cell;
  const unsigned points =
      static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, _mm_set1_epi8('.')))) & in_cell;
  // Digits and at most one point, with a digit on either side of it.
  const unsigned ends = 1u | (1u << (length - 1));
  if ((digit_bytes | points) != in_cell || (points & (points - 1)) != 0 || (points & ends) != 0)
    return fall_back();
  // Whole part and fraction of up to eight digits each, each loaded as a word, right-aligned
  // (leading zeros) and read by eight_digits; bytes past a part borrow only from bytes after it,
  // which the shift drops.
  const auto point = points != 0 ? static_cast<size_t>(std::countr_zero(points)) : length;
  const size_t fraction = points != 0 ? length - point - 1 : 0;
  if (point > 8 || fraction > 8) return fall_back();
  constexpr uint64_t kZeros = 0x3030303030303030;
  static constexpr uint64_t kTens[] = {1,      10,      100,      1000,     10000,
                                       100000, 1000000, 10000000, 100000000};
  uint64_t word = 0;
  std::memcpy(&word, p, sizeof word);
  uint64_t digits = eight_digits((word - kZeros) << (8 * (8 - point)));
  if (fraction > 0) {
    std::memcpy(&word, p + point + 1, sizeof word);
    digits = digits * kTens[fraction] + eight_digits((word - kZeros) << (8 * (8 - fraction)));
  }
  if (digits > (uint64_t{1} << 53)) return fall_back();
  static constexpr double kPowers[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};
  // The sign set in the bits, not by a branch: cells' signs are as hard to predict as a coin's.
  const auto magnitude = static_cast<double>(digits);
  uint64_t bits = 0;
  std::memcpy(&bits, &magnitude, sizeof bits);
  bits |= uint64_t{negative} << 63;
  std::memcpy(&quotient.numerator, &bits, sizeof bits);
  quotient.denominator = kPowers[fraction];
  return true;
}
#else
inline bool parse_plain_decimal(std::string_view s, const char*, Quotient& quotient) {
  quotient.denominator = 1;
  return parse_plain_decimal(s, quotient.numerator);
}
#endif

// The same value as parse_plain_decimal(s, value), read fast from a cell in a table's text.
inline bool parse_plain_decimal(std::string_view s, const char* readable_end, double& value) {
  Quotient quotient;
  if (!parse_plain_decimal(s, readable_end, quotient)) return false;
  value = quotient.numerator / quotient.denominator;
  return true;
}

inline Cell parse_cell(std::string_view s) {
  s = trim(s);
  if (s.empty()) return {CellKind::missing};
  // Numbers start with a digit, a sign or a point; only other cells can be missing markers.
  const char first = s.front();
  const bool numeric_start = (first >= '0' && first <= '9') || first == '-' || first == '.';
  if (!numeric_start && is_missing_marker(s)) return {CellKind::missing};
  double value = 0;
  if (numeric_start && parse_plain_decimal(s, value)) return {CellKind::number, value};
  std::string_view digits = s;
  if (first == '+' && digits.size() > 1) digits.remove_prefix(1);  // from_chars takes only '-'
  const auto [end, error] = compat::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (end != digits.data() + digits.size()) return {CellKind::text};
  if (error == std::errc::result_out_of_range) {
    // from_chars reports underflow and overflow alike; strtod tells them apart (0 or inf).
    value = std::strtod(std::string(s).c_str(), nullptr);
  } else if (error != std::errc()) {
    return {CellKind::text};
  }
  return {std::isfinite(value) ? CellKind::number : CellKind::non_finite, value};
}

inline bool is_number(std::string_view s) { return parse_cell(s).kind == CellKind::number; }

}  // namespace plexus::data::internal
