// What a CSV cell holds: nothing (a missing-value marker), a finite number, a number too large or
// not finite, or text. Shared by the CSV reader (header detection) and tabular preprocessing.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>
#include <string_view>
#include <system_error>

#include "base/compat.hpp"

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
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// NA, N/A, NaN, null in any case: the markers pandas and R write for a missing value.
inline bool is_missing_marker(std::string_view s) {
  return equals_ignoring_case(s, "na") || equals_ignoring_case(s, "n/a") ||
         equals_ignoring_case(s, "nan") || equals_ignoring_case(s, "null");
}

/// Empty (or blank), or a missing-value marker.
inline bool is_missing(std::string_view s) {
  s = trim(s);
  return s.empty() || is_missing_marker(s);
}

inline Cell parse_cell(std::string_view s) {
  s = trim(s);
  if (s.empty()) return {CellKind::missing};
  // Numbers start with a digit, a sign or a point; only other cells can be missing markers.
  const char first = s.front();
  const bool numeric_start = (first >= '0' && first <= '9') || first == '-' || first == '.';
  if (!numeric_start && is_missing_marker(s)) return {CellKind::missing};
  std::string_view digits = s;
  if (first == '+' && digits.size() > 1) digits.remove_prefix(1);  // from_chars takes only '-'
  double value = 0;
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
