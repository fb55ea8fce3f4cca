// Tick placement and labels; see ticks.hpp.
#include "plot/ticks.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace plexus::plot::detail {

std::pair<double, double> limits(Range r, bool log, double pad) {
  if (r.empty()) return log ? std::pair{1.0, 10.0} : std::pair{0.0, 1.0};
  double lo = log ? std::log10(r.lo) : r.lo, hi = log ? std::log10(r.hi) : r.hi;
  if (hi - lo <= 1e-12 * std::max(1.0, std::abs(lo))) {
    const double widen = log ? 0.5 : (lo == 0 ? 1.0 : std::abs(lo) * 0.1);
    lo -= widen;
    hi += widen;
  } else {
    const double span = hi - lo;
    lo -= pad * span;
    hi += pad * span;
  }
  return log ? std::pair{std::pow(10.0, lo), std::pow(10.0, hi)} : std::pair{lo, hi};
}

namespace {

// 1, 2 or 5 times a power of ten, near `rough`.
double nice_step(double rough) {
  const double magnitude = std::pow(10.0, std::floor(std::log10(rough)));
  const double n = rough / magnitude;
  return magnitude * (n < 1.5 ? 1 : n < 3 ? 2 : n < 7 ? 5 : 10);
}

std::string tick_label(double v, double step) {
  char text[40];
  if (std::abs(v) >= 1e6 || (step < 1e-4 && v != 0)) {
    std::snprintf(text, sizeof(text), "%.3g", v);
  } else {
    const int decimals = std::max(0, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
    std::snprintf(text, sizeof(text), "%.*f", decimals, v);
  }
  std::string s = text;
  return s == "-0" ? "0" : s;
}

std::vector<Tick> linear_ticks(double lo, double hi, int target) {
  const double step = nice_step((hi - lo) / std::max(target, 1));
  std::vector<Tick> ticks;
  const double first = std::ceil(lo / step - 1e-9);
  for (int k = 0; k < 100; ++k) {
    double v = (first + k) * step;
    if (v > hi + step * 1e-9) break;
    if (std::abs(v) < step * 1e-9) v = 0;
    ticks.push_back({v, tick_label(v, step)});
  }
  return ticks;
}

std::string g_format(double v) {
  char text[24];
  std::snprintf(text, sizeof(text), "%g", v);
  return text;
}

// 1-2-5 steps within less than three decades; decades (as powers of ten when some are far from
// 1) over more; linear ticks where not even two 1-2-5 steps fit.
std::vector<Tick> log_ticks(double lo, double hi, int target) {
  const int klo = static_cast<int>(std::ceil(std::log10(lo) - 1e-9));
  const int khi = static_cast<int>(std::floor(std::log10(hi) + 1e-9));
  std::vector<Tick> ticks;
  if (khi - klo < 2) {
    for (int k = klo - 1; k <= khi; ++k)
      for (const double m : {1.0, 2.0, 5.0}) {
        const double v = m * std::pow(10.0, k);
        if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) ticks.push_back({v, g_format(v)});
      }
    if (ticks.size() >= 2) return ticks;
    if (khi <= klo) return linear_ticks(lo, hi, target);
    ticks.clear();
  }
  const bool powers = klo < -3 || khi > 4;
  const int count = khi - klo + 1;
  const int stride = std::max(1, (count + target - 1) / std::max(target, 1));
  for (int k = klo; k <= khi; k += stride) {
    const double v = std::pow(10.0, k);
    ticks.push_back({v, powers ? std::to_string(k) : g_format(v), powers});
  }
  return ticks;
}

}  // namespace

std::vector<double> log_minor_ticks(double lo, double hi) {
  std::vector<double> minor;
  if (std::log10(hi) - std::log10(lo) > 8) return minor;
  for (int k = static_cast<int>(std::floor(std::log10(lo))); k <= std::ceil(std::log10(hi)); ++k)
    for (int m = 2; m <= 9; ++m) {
      const double v = m * std::pow(10.0, k);
      if (v > lo && v < hi) minor.push_back(v);
    }
  return minor;
}

std::vector<Tick> ticks_for(const Axis& axis, double pixels, double spacing) {
  const int target = std::clamp(static_cast<int>(pixels / spacing), 2, 10);
  return axis.log ? log_ticks(axis.lo, axis.hi, 2 * target)
                  : linear_ticks(axis.lo, axis.hi, target);
}

}  // namespace plexus::plot::detail
