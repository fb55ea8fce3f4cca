// The bar chart: one slot per category, one bar per group in it, standing on zero.
#include "plot/canvas.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <tuple>
#include <vector>

#include "base/check.hpp"
#include "plot/colours.hpp"

namespace plexus::plot {

using detail::colour;
using detail::limits;
using detail::num;
using detail::Range;
using detail::ticks_for;
using detail::widest;

void Canvas::draw_bars() {
  const auto& b = *f.bars_;
  const size_t n = b.categories.size(), groups = b.groups.size();
  Range yr;
  yr.add(0);
  for (const auto& g : b.groups)
    for (const double v : g.values)
      if (std::isfinite(v)) yr.add(v);
  Axis ya;
  if (f.ylim_) {
    std::tie(ya.lo, ya.hi) = *f.ylim_;
  } else {
    std::tie(ya.lo, ya.hi) = limits(yr, false, 0.05);
    if (yr.lo >= 0) ya.lo = 0;  // bars stand on the axis
  }

  top = top_margin();
  right = f.width_ - 18;
  const double cat_w = widest(b.categories);
  // Category labels turn 35 degrees when they do not fit under their slot; left is a guess here.
  const bool rotate = cat_w > (right - 70) / static_cast<double>(n) - 8;
  bottom = f.height_ - (f.xlabel_.empty() ? 8 : 24) - (rotate ? 12 + cat_w * 0.6 : 20);
  ya.p0 = bottom, ya.p1 = top;
  const auto yticks = ticks_for(ya, bottom - top, 56);
  left = (f.ylabel_.empty() ? 6 : 24) + widest(yticks) + 12;

  grid_lines(nullptr, ya, {}, yticks);
  begin_clip();
  const double slot = (right - left) / static_cast<double>(n);
  const double bar = slot * 0.8 / static_cast<double>(groups);
  const double base = ya.map(std::clamp(0.0, ya.lo, ya.hi));
  std::vector<LegendEntry> entries;
  for (size_t g = 0; g < groups; ++g) {
    const std::string& c = colour(static_cast<int>(g));
    for (size_t i = 0; i < n; ++i) {
      const double v = b.groups[g].values[i];
      if (!std::isfinite(v)) continue;
      const double x = left + slot * (static_cast<double>(i) + 0.1) + bar * static_cast<double>(g);
      const double y = ya.map(std::clamp(v, ya.lo - (ya.hi - ya.lo), ya.hi + (ya.hi - ya.lo)));
      rect(x + 0.5, std::min(y, base), bar - 1, std::abs(y - base),
           "class=\"mark bar\" fill=\"" + c + "\"");
      for (int k = 0; k <= 6; ++k)
        for (int s = 0; s <= 2; ++s) occupied.emplace_back(x + bar * s / 2, y + (base - y) * k / 6);
    }
    if (!b.groups[g].label.empty())
      entries.push_back({b.groups[g].label, c, LegendEntry::Glyph::square});
  }
  if (ya.lo < 0) segment(left, base, right, base, "class=\"baseline\" stroke=\"#333333\"");
  end_clip();
  frame(nullptr, ya, {}, yticks);
  for (size_t i = 0; i < n; ++i) {
    const double x = left + slot * (static_cast<double>(i) + 0.5);
    if (rotate) {
      text(x + 3, bottom + 12, b.categories[i],
           "class=\"tick-label x\" text-anchor=\"end\" transform=\"rotate(-35 " + num(x + 3) + " " +
               num(bottom + 12) + ")\"");
    } else {
      text(x, bottom + 16, b.categories[i], "class=\"tick-label x\" text-anchor=\"middle\"");
    }
  }
  legend(entries);
  labels((left + right) / 2, (top + bottom) / 2, 14);
}

}  // namespace plexus::plot
