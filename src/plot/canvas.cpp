// Canvas: text metrics, the SVG primitives, frame and ticks, legend and colour bar, and the
// document around a drawing; see canvas.hpp.
#include "plot/canvas.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>

#include "plot/colours.hpp"
#include "plot/svg.hpp"

namespace plexus::plot {

namespace detail {

namespace {
constexpr double kCharWidth = 0.6;   // of the font size: a wide estimate, so labels never touch
constexpr double kPixelLimit = 1e6;  // coordinates far off the canvas are clamped, not printed
}  // namespace

double text_width(const std::string& text, double size) {
  return static_cast<double>(text.size()) * size * kCharWidth;
}

double label_width(const Tick& tick) {
  return tick.power ? text_width("10") + text_width(tick.label, 8) : text_width(tick.label);
}

double widest(const std::vector<Tick>& ticks) {
  double w = 0;
  for (const auto& tick : ticks) w = std::max(w, label_width(tick));
  return w;
}

double widest(const std::vector<std::string>& texts) {
  double w = 0;
  for (const auto& text : texts) w = std::max(w, text_width(text));
  return w;
}

std::string num(double v) {
  v = std::clamp(v, -kPixelLimit, kPixelLimit);
  char text[40];
  std::snprintf(text, sizeof(text), "%.2f", v);
  std::string s = text;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s == "-0" ? "0" : s;
}

std::string short_number(double v) {
  char text[40];
  if (v == std::round(v) && std::abs(v) < 1e6) {
    std::snprintf(text, sizeof(text), "%.0f", v);
  } else if (std::abs(v) >= 100 && std::abs(v) < 1e6) {
    std::snprintf(text, sizeof(text), "%.0f", v);
  } else {
    std::snprintf(text, sizeof(text), "%.3g", v);
  }
  return std::string(text) == "-0" ? "0" : text;
}

}  // namespace detail

using detail::escape;
using detail::log_minor_ticks;
using detail::num;
using detail::text_width;
using detail::ticks_for;
using detail::viridis;
using detail::widest;

void Canvas::text(double x, double y, const std::string& content, const std::string& attributes) {
  out += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\"" +
         (attributes.empty() ? "" : " " + attributes) + ">" + escape(content) + "</text>\n";
}

void Canvas::tick_text(double x, double y, const Tick& tick, const std::string& attributes) {
  if (!tick.power) return text(x, y, tick.label, attributes);
  std::string exponent = tick.label;
  if (exponent.starts_with('-')) exponent = "\u2212" + exponent.substr(1);
  out += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" " + attributes +
         ">10<tspan dy=\"-5\" font-size=\"8\">" + exponent + "</tspan></text>\n";
}

void Canvas::rect(double x, double y, double w, double h, const std::string& attributes) {
  out += "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(std::max(w, 0.0)) +
         "\" height=\"" + num(std::max(h, 0.0)) + "\" " + attributes + "/>\n";
}

void Canvas::segment(double x0, double y0, double x1, double y1, const std::string& attributes) {
  out += "<line x1=\"" + num(x0) + "\" y1=\"" + num(y0) + "\" x2=\"" + num(x1) + "\" y2=\"" +
         num(y1) + "\" " + attributes + "/>\n";
}

void Canvas::begin_clip() {
  out += "<svg x=\"" + num(left) + "\" y=\"" + num(top) + "\" width=\"" + num(right - left) +
         "\" height=\"" + num(bottom - top) + "\" viewBox=\"" + num(left) + " " + num(top) + " " +
         num(right - left) + " " + num(bottom - top) + "\" overflow=\"hidden\">\n";
}
void Canvas::end_clip() { out += "</svg>\n"; }

double Canvas::top_margin() const { return (f.title_.empty() ? 14 : 38) + (legend_above ? 18 : 0); }

void Canvas::labels(double x_centre, double y_centre, double ylabel_x) {
  if (!f.title_.empty())
    text(f.width_ / 2.0, 24, f.title_,
         "class=\"title\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\"");
  if (!f.xlabel_.empty())
    text(x_centre, f.height_ - 10, f.xlabel_,
         "class=\"xlabel\" text-anchor=\"middle\" font-size=\"12\"");
  if (!f.ylabel_.empty())
    text(ylabel_x, y_centre, f.ylabel_,
         "class=\"ylabel\" text-anchor=\"middle\" font-size=\"12\" transform=\"rotate(-90 " +
             num(ylabel_x) + " " + num(y_centre) + ")\"");
}

void Canvas::grid_lines(const Axis* xa, const Axis& ya, const std::vector<Tick>& xticks,
                        const std::vector<Tick>& yticks) {
  const std::string grid = "class=\"grid\" stroke=\"#e4e4e4\" stroke-width=\"1\"";
  if (xa)
    for (const auto& t : xticks) segment(xa->map(t.value), top, xa->map(t.value), bottom, grid);
  for (const auto& t : yticks) segment(left, ya.map(t.value), right, ya.map(t.value), grid);
}

void Canvas::frame(const Axis* xa, const Axis& ya, const std::vector<Tick>& xticks,
                   const std::vector<Tick>& yticks) {
  rect(left, top, right - left, bottom - top,
       "class=\"frame\" fill=\"none\" stroke=\"#333333\" stroke-width=\"1\"");
  const std::string tick = "class=\"tick\" stroke=\"#333333\" stroke-width=\"1\"";
  const std::string minor = "class=\"minor-tick\" stroke=\"#333333\" stroke-width=\"0.8\"";
  if (xa) {
    for (const auto& t : xticks) {
      const double x = xa->map(t.value);
      segment(x, bottom, x, bottom + 5, tick);
      tick_text(x, bottom + 18, t, "class=\"tick-label x\" text-anchor=\"middle\"");
    }
    if (xa->log)
      for (const double v : log_minor_ticks(xa->lo, xa->hi))
        segment(xa->map(v), bottom, xa->map(v), bottom + 3, minor);
  }
  for (const auto& t : yticks) {
    const double y = ya.map(t.value);
    segment(left - 5, y, left, y, tick);
    tick_text(left - 8, y + 4, t, "class=\"tick-label y\" text-anchor=\"end\"");
  }
  if (ya.log)
    for (const double v : log_minor_ticks(ya.lo, ya.hi))
      segment(left - 3, ya.map(v), left, ya.map(v), minor);
}

void Canvas::legend(const std::vector<LegendEntry>& entries) {
  if (entries.empty()) return;
  if (legend_above) return legend_row(entries);
  double label_w = 0;
  for (const auto& e : entries) label_w = std::max(label_w, text_width(e.label));
  const double w = 34 + label_w, h = 8 + 17.0 * static_cast<double>(entries.size());
  const double inset = 8;
  const std::array<std::pair<double, double>, 4> corners = {
      std::pair{right - inset - w, top + inset}, std::pair{left + inset, top + inset},
      std::pair{right - inset - w, bottom - inset - h},
      std::pair{left + inset, bottom - inset - h}};
  size_t best = 0, best_hidden = std::numeric_limits<size_t>::max();
  for (size_t c = 0; c < corners.size(); ++c) {
    const auto [x, y] = corners[c];
    size_t hidden = 0;
    for (const auto& [px, py] : occupied)
      if (px >= x - 4 && px <= x + w + 4 && py >= y - 4 && py <= y + h + 4) ++hidden;
    if (hidden < best_hidden) best = c, best_hidden = hidden;
  }
  legend_hidden = best_hidden;
  const auto [x, y] = corners[best];
  out += "<g class=\"legend\">\n";
  rect(x, y, w, h,
       "fill=\"#ffffff\" fill-opacity=\"0.88\" stroke=\"#bbbbbb\" stroke-width=\"1\" rx=\"3\"");
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    const double cy = y + 12.5 + 17.0 * static_cast<double>(i);
    glyph(e, x, cy);
    text(x + 30, cy + 4, e.label);
  }
  out += "</g>\n";
}

void Canvas::legend_row(const std::vector<LegendEntry>& entries) {
  double w = 0;
  for (const auto& e : entries) w += 36 + text_width(e.label);
  double x = std::max(left, right - w);
  const double cy = top - 12;
  out += "<g class=\"legend\">\n";
  for (const auto& e : entries) {
    glyph(e, x, cy);
    text(x + 30, cy + 4, e.label);
    x += 36 + text_width(e.label);
  }
  out += "</g>\n";
}

void Canvas::glyph(const LegendEntry& e, double x, double cy) {
  switch (e.glyph) {
    case LegendEntry::Glyph::line:
    case LegendEntry::Glyph::dashed:
      segment(x + 6, cy, x + 26, cy,
              "stroke=\"" + e.colour + "\" stroke-width=\"2\"" +
                  (e.glyph == LegendEntry::Glyph::dashed ? " stroke-dasharray=\"5 3\"" : ""));
      break;
    case LegendEntry::Glyph::dot:
      out += "<circle cx=\"" + num(x + 16) + "\" cy=\"" + num(cy) + "\" r=\"4\" fill=\"" +
             e.colour + "\"/>\n";
      break;
    case LegendEntry::Glyph::square:
      rect(x + 10, cy - 5, 12, 10, "fill=\"" + e.colour + "\"");
      break;
  }
}

void Canvas::colour_bar(double x, double y0, double y1, double vmin, double vmax, int bands) {
  const int n = bands > 0 ? bands : 64;
  const double h = (y1 - y0) / n;
  out += "<g class=\"colorbar\" shape-rendering=\"crispEdges\">\n";
  for (int k = 0; k < n; ++k)
    rect(x, y1 - (k + 1) * h, 14, h + (bands > 0 ? 0 : 0.5),
         "fill=\"" + viridis((k + 0.5) / n) + "\"");
  out += "</g>\n";
  rect(x, y0, 14, y1 - y0, "fill=\"none\" stroke=\"#333333\" stroke-width=\"1\"");
  const Axis scale{vmin, vmax, false, y1, y0};
  for (const auto& t : colour_bar_ticks(vmin, vmax, y1 - y0)) {
    const double y = scale.map(t.value);
    segment(x + 14, y, x + 18, y, "stroke=\"#333333\" stroke-width=\"1\"");
    text(x + 21, y + 4, t.label, "class=\"tick-label colorbar\"");
  }
}

std::vector<detail::Tick> Canvas::colour_bar_ticks(double vmin, double vmax, double pixels) {
  return ticks_for(Axis{vmin, vmax, false, 0, pixels}, pixels, 45);
}

double Canvas::colour_bar_width(double vmin, double vmax, double pixels) {
  return 16 + 14 + 8 + widest(colour_bar_ticks(vmin, vmax, pixels));
}

void Canvas::render() {
  const std::string w = std::to_string(f.width_), h = std::to_string(f.height_);
  out =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
      "class=\"plexus-figure\" width=\"" +
      w + "\" height=\"" + h + "\" viewBox=\"0 0 " + w + " " + h +
      "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"11\" "
      "fill=\"#222222\">\n";
  if (!f.title_.empty()) out += "<title>" + escape(f.title_) + "</title>\n";
  rect(0, 0, f.width_, f.height_, "class=\"background\" fill=\"#ffffff\"");
  switch (f.kind_) {
    case Figure::Kind::heatmap:
      draw_heatmap();
      break;
    case Figure::Kind::bars:
      draw_bars();
      break;
    case Figure::Kind::empty:
    case Figure::Kind::axes:
      draw_axes_figure();
      break;
  }
  out += "</svg>\n";
}

}  // namespace plexus::plot
