// The floating-point to_chars / from_chars of compat.hpp for standard libraries without them,
// built on printf and strtod (C locale). Elsewhere this file compiles to nothing.
#include "base/compat.hpp"

#if !defined(__cpp_lib_to_chars)
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <system_error>

namespace plexus::compat {
namespace {

float parse(const char* text, char** end, float) { return std::strtof(text, end); }
double parse(const char* text, char** end, double) { return std::strtod(text, end); }

// The shortest round trip as std::to_chars writes it: the fewest significant digits that read
// back as `value`, then fixed or scientific notation, whichever is shorter (fixed on a tie).
template <typename Float>
std::to_chars_result shortest(char* first, char* last, Float value) {
  std::string text;
  if (std::signbit(value)) text = "-";
  if (std::isnan(value)) {
    text += "nan";
  } else if (std::isinf(value)) {
    text += "inf";
  } else if (value == 0) {
    text += "0";
  } else {
    const Float magnitude = std::fabs(value);
    char scientific[40];
    for (int digits = 1; digits <= std::numeric_limits<Float>::max_digits10; ++digits) {
      std::snprintf(scientific, sizeof(scientific), "%.*e", digits - 1, double{magnitude});
      if (parse(scientific, nullptr, Float{}) == magnitude) break;
    }
    // scientific is "d.ddde[+-]XX": split into its digits and its exponent.
    const std::string mantissa(scientific, std::strchr(scientific, 'e'));
    const int exponent = std::atoi(std::strchr(scientific, 'e') + 1);
    std::string digits = mantissa.substr(0, 1) + (mantissa.size() > 2 ? mantissa.substr(2) : "");
    const auto count = static_cast<int>(digits.size());
    std::string fixed;
    if (exponent >= count - 1) {
      fixed = digits + std::string(static_cast<size_t>(exponent - count + 1), '0');
    } else if (exponent >= 0) {
      fixed = digits.substr(0, static_cast<size_t>(exponent + 1)) + "." +
              digits.substr(static_cast<size_t>(exponent + 1));
    } else {
      fixed = "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
    }
    char exponent_text[8];
    std::snprintf(exponent_text, sizeof(exponent_text), "e%c%02d", exponent < 0 ? '-' : '+',
                  std::abs(exponent));
    const std::string short_scientific = mantissa + exponent_text;
    text += fixed.size() <= short_scientific.size() ? fixed : short_scientific;
  }
  if (text.size() > static_cast<size_t>(last - first)) return {last, std::errc::value_too_large};
  return {std::copy(text.begin(), text.end(), first), std::errc()};
}

// std::from_chars' general format: an optional '-' (no '+', no leading space, no hex), digits with
// an optional point and exponent, or inf, infinity, nan. strtod reads a superset of that.
template <typename Float>
std::from_chars_result read(const char* first, const char* last, Float& value) {
  const char* start = first + (first != last && *first == '-');
  const bool digit_or_point = start != last && ((*start >= '0' && *start <= '9') || *start == '.');
  const bool word =
      start != last && (*start == 'i' || *start == 'I' || *start == 'n' || *start == 'N');
  if (!digit_or_point && !word) return {first, std::errc::invalid_argument};
  // A hexadecimal prefix is not part of the general format: "0x1" reads as 0, then stops.
  std::string text(first, last);
  const size_t zero = static_cast<size_t>(start - first);
  if (text.size() > zero + 1 && text[zero] == '0' &&
      (text[zero + 1] == 'x' || text[zero + 1] == 'X'))
    text.resize(zero + 1);
  char* end = nullptr;
  errno = 0;
  const Float parsed = parse(text.c_str(), &end, Float{});
  if (end == text.c_str()) return {first, std::errc::invalid_argument};
  const char* stop = first + (end - text.c_str());
  if (errno == ERANGE) return {stop, std::errc::result_out_of_range};
  value = parsed;
  return {stop, std::errc()};
}

}  // namespace

std::to_chars_result to_chars(char* first, char* last, float value) {
  return shortest(first, last, value);
}
std::to_chars_result to_chars(char* first, char* last, double value) {
  return shortest(first, last, value);
}
std::from_chars_result from_chars(const char* first, const char* last, float& value) {
  return read(first, last, value);
}
std::from_chars_result from_chars(const char* first, const char* last, double& value) {
  return read(first, last, value);
}

}  // namespace plexus::compat
#endif
