// Axes of a figure: data ranges, axis limits, the mapping from values to pixels, and where the
// ticks go (1-2-5 steps on a linear axis, decades or 1-2-5 steps on a log axis).
#pragma once

#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace plexus::plot::detail {

struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool empty() const { return lo > hi; }
};

// Axis limits from a data range: empty ranges get a default, constant ones are widened (no
// division by zero later), others padded by `pad` of the span (in decades on a log axis).
std::pair<double, double> limits(Range r, bool log, double pad);

struct Axis {
  double lo = 0, hi = 1;
  bool log = false;
  double p0 = 0, p1 = 1;  // pixels at lo and at hi
  double t(double v) const { return log ? std::log10(v) : v; }
  double map(double v) const { return p0 + (t(v) - t(lo)) / (t(hi) - t(lo)) * (p1 - p0); }
  bool valid(double v) const { return std::isfinite(v) && (!log || v > 0); }
};

struct Tick {
  double value;
  std::string label;   // the exponent alone when power is set
  bool power = false;  // drawn as 10 with label as superscript
};

// About one labelled tick per `spacing` pixels of an axis `pixels` long.
std::vector<Tick> ticks_for(const Axis& axis, double pixels, double spacing);

// The unlabelled 2..9 ticks between decades, where there is room for them.
std::vector<double> log_minor_ticks(double lo, double hi);

}  // namespace plexus::plot::detail
