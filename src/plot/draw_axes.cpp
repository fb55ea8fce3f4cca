// The figure of numeric axes: lines, scatter plots, vertical markers, contour bands and
// decision regions, mixed freely, with a legend and (for contours) a colour bar.
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
using detail::text_width;
using detail::ticks_for;
using detail::tint;
using detail::viridis;
using detail::widest;

void Canvas::draw_axes_figure() {
  // Data ranges: only what can be drawn counts.
  Range xr, yr;
  for (const auto& l : f.lines_)
    for (size_t i = 0; i < l.series.x.size(); ++i)
      if (std::isfinite(l.series.y[i]) && (!f.log_y_ || l.series.y[i] > 0) &&
          std::isfinite(l.series.x[i]) && (!f.log_x_ || l.series.x[i] > 0)) {
        xr.add(l.series.x[i]);
        yr.add(l.series.y[i]);
      }
  for (const auto& c : f.classes_)
    for (size_t i = 0; i < c.x.size(); ++i)
      if (std::isfinite(c.y[i]) && (!f.log_y_ || c.y[i] > 0) && std::isfinite(c.x[i]) &&
          (!f.log_x_ || c.x[i] > 0)) {
        xr.add(c.x[i]);
        yr.add(c.y[i]);
      }
  for (const auto& m : f.markers_)
    if (!f.log_x_ || m.x > 0) xr.add(m.x);
  const Figure::Grid* contour = nullptr;
  Range zr;
  for (const auto& g : f.grids_) {
    PLEXUS_CHECK((!f.log_x_ || g.x0 > 0) && (!f.log_y_ || g.y0 > 0),
                 "Figure: a contour or regions grid on a log axis must lie above 0");
    xr.add(g.x0), xr.add(g.x1), yr.add(g.y0), yr.add(g.y1);
    if (g.levels > 0) {
      contour = &g;
      for (const auto& row : g.z)
        for (const double v : row)
          if (std::isfinite(v)) zr.add(v);
    }
  }
  const double pad = f.grids_.empty() ? 0.04 : 0;
  Axis xa, ya;
  xa.log = f.log_x_;
  ya.log = f.log_y_;
  std::tie(xa.lo, xa.hi) = f.xlim_ ? *f.xlim_ : limits(xr, xa.log, pad);
  std::tie(ya.lo, ya.hi) = f.ylim_ ? *f.ylim_ : limits(yr, ya.log, pad);
  PLEXUS_CHECK(!xa.log || xa.lo > 0, "Figure: xlim must be above 0 on a log x axis, got ", xa.lo);
  PLEXUS_CHECK(!ya.log || ya.lo > 0, "Figure: ylim must be above 0 on a log y axis, got ", ya.lo);
  const auto [zlo, zhi] = limits(zr, false, 0);

  // Layout: vertical first (fixed), then the y tick labels set the left margin.
  top = top_margin();
  bottom = f.height_ - (f.xlabel_.empty() ? 28 : 44);
  ya.p0 = bottom, ya.p1 = top;
  const auto yticks = ticks_for(ya, bottom - top, 56);
  left = (f.ylabel_.empty() ? 6 : 24) + widest(yticks) + 12;
  right = f.width_ - 18 - (contour ? colour_bar_width(zlo, zhi, bottom - top) : 0);
  xa.p0 = left, xa.p1 = right;
  auto xticks = ticks_for(xa, right - left, 90);
  for (double spacing = 110;
       widest(xticks) * static_cast<double>(xticks.size()) > 0.8 * (right - left) && spacing < 1000;
       spacing *= 1.4)
    xticks = ticks_for(xa, right - left, spacing);

  grid_lines(&xa, ya, xticks, yticks);
  begin_clip();
  for (const auto& g : f.grids_) {
    const size_t rows = g.z.size(), cols = g.z[0].size();
    const double dx = (g.x1 - g.x0) / static_cast<double>(cols);
    const double dy = (g.y1 - g.y0) / static_cast<double>(rows);
    // A band index (contour) or a class (regions) per cell; -1 for none. The limits are copied
    // in: clang before 16 cannot capture structured bindings.
    const auto index = [&, zlo = zlo, zhi = zhi](double v) {
      if (!std::isfinite(v)) return -1;
      if (g.levels == 0) return v < 0 ? -1 : static_cast<int>(v);
      return std::clamp(static_cast<int>((v - zlo) / (zhi - zlo) * g.levels), 0, g.levels - 1);
    };
    const char* kind = g.levels > 0 ? "band" : "region";
    out += std::string("<g class=\"") + (g.levels > 0 ? "contour" : "regions") +
           "\" shape-rendering=\"crispEdges\">\n";
    // One rect per run of equal cells in a row keeps the file small.
    for (size_t i = 0; i < rows; ++i) {
      const double ytop = ya.map(g.y0 + dy * static_cast<double>(i + 1));
      const double ybot = ya.map(g.y0 + dy * static_cast<double>(i));
      for (size_t j = 0; j < cols;) {
        const int k = index(g.z[i][j]);
        size_t end = j + 1;
        while (end < cols && index(g.z[i][end]) == k) ++end;
        if (k >= 0) {
          const double xl = xa.map(g.x0 + dx * static_cast<double>(j));
          const double xr2 = xa.map(g.x0 + dx * static_cast<double>(end));
          const std::string fill =
              g.levels > 0 ? viridis((k + 0.5) / g.levels) : tint(colour(k), 0.62);
          // Half a pixel of overlap hides the seams between neighbouring rects.
          rect(xl, ytop, xr2 - xl + 0.5, ybot - ytop + 0.5,
               std::string("class=\"mark ") + kind + "\" fill=\"" + fill + "\"");
        }
        j = end;
      }
    }
    out += "</g>\n";
  }

  std::vector<LegendEntry> entries;
  for (const auto& l : f.lines_) {
    const auto& s = l.series;
    const std::string& c = colour(l.style.colour);
    std::string path;
    bool pen_down = false;
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!xa.valid(s.x[i]) || !ya.valid(s.y[i])) {
        pen_down = false;
        continue;
      }
      const double px = xa.map(s.x[i]), py = ya.map(s.y[i]);
      if (!l.points) {
        path += (pen_down ? " L" : (path.empty() ? "M" : " M")) + num(px) + " " + num(py);
        if (pen_down && !occupied.empty()) {
          const auto [qx, qy] = occupied.back();
          for (int k = 1; k < 6; ++k)
            occupied.emplace_back(qx + (px - qx) * k / 6, qy + (py - qy) * k / 6);
        }
        pen_down = true;
      }
      occupied.emplace_back(px, py);
      if (l.points || l.style.markers)
        out += "<circle class=\"mark point\" cx=\"" + num(px) + "\" cy=\"" + num(py) + "\" r=\"" +
               (l.points ? "3.5" : "2.5") + "\" fill=\"" + c + "\"" +
               (l.points ? " fill-opacity=\"0.85\" stroke=\"#ffffff\" stroke-width=\"0.6\"" : "") +
               "/>\n";
    }
    if (!path.empty())
      out += "<path class=\"mark series\" d=\"" + path + "\" fill=\"none\" stroke=\"" + c +
             "\" stroke-width=\"2\" stroke-linejoin=\"round\"" +
             (l.style.dashed ? " stroke-dasharray=\"6 4\"" : "") + "/>\n";
    if (!s.label.empty())
      entries.push_back({s.label, c,
                         l.points         ? LegendEntry::Glyph::dot
                         : l.style.dashed ? LegendEntry::Glyph::dashed
                                          : LegendEntry::Glyph::line});
  }
  for (const auto& c : f.classes_) {
    for (size_t i = 0; i < c.x.size(); ++i) {
      if (!xa.valid(c.x[i]) || !ya.valid(c.y[i])) continue;
      const double px = xa.map(c.x[i]), py = ya.map(c.y[i]);
      occupied.emplace_back(px, py);
      out += "<circle class=\"mark point\" cx=\"" + num(px) + "\" cy=\"" + num(py) +
             "\" r=\"3.5\" fill=\"" + colour(c.cls[i]) +
             "\" stroke=\"#ffffff\" stroke-width=\"0.7\"/>\n";
    }
    for (size_t k = 0; k < c.names.size(); ++k)
      entries.push_back({c.names[k], colour(static_cast<int>(k)), LegendEntry::Glyph::dot});
  }
  for (const auto& m : f.markers_) {
    if (!xa.valid(m.x)) continue;
    const double px = xa.map(m.x);
    segment(
        px, top, px, bottom,
        "class=\"mark vline\" stroke=\"#444444\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\"");
    if (m.label.empty()) continue;
    const double w = text_width(m.label);
    const bool flip = px + 4 + w > right - 4;
    const double tx = flip ? px - 5 : px + 5;
    text(tx, top + 14, m.label,
         std::string("class=\"vline-label\" fill=\"#222222\" stroke=\"#ffffff\" stroke-width=\"3\" "
                     "paint-order=\"stroke\" text-anchor=\"") +
             (flip ? "end" : "start") + "\"");
    // Keep the legend off the label: mark its box as occupied, heavily.
    for (int k = 0; k <= 8; ++k)
      for (int rep = 0; rep < 8; ++rep)
        occupied.emplace_back(flip ? tx - w * k / 8 : tx + w * k / 8, top + 9);
  }
  end_clip();

  frame(&xa, ya, xticks, yticks);
  if (contour) colour_bar(right + 16, top, bottom, zlo, zhi, contour->levels);
  legend(entries);
  labels((left + right) / 2, (top + bottom) / 2, 14);
}

}  // namespace plexus::plot
