// Canvas: lays out one Figure and writes its SVG. Layout works from estimated text widths (no
// font metrics), so margins grow with the longest tick label or name. The drawing primitives,
// frame, legend and colour bar are in canvas.cpp; each kind of figure has its own file
// (draw_axes.cpp, draw_heatmap.cpp, draw_bars.cpp).
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "plexus/plot/figure.hpp"
#include "plot/ticks.hpp"

namespace plexus::plot {

namespace detail {

constexpr double kFont = 11;  // tick labels, legend, annotations

// Estimated width in pixels of `text` at font size `size`: wide, so labels never touch.
double text_width(const std::string& text, double size = kFont);
double label_width(const Tick& tick);
double widest(const std::vector<Tick>& ticks);
double widest(const std::vector<std::string>& texts);

// A coordinate with at most two decimals: "12.5", "-3", never "nan".
std::string num(double v);

// Values written for people (cells, colour bar): 3 significant digits, integers as integers.
std::string short_number(double v);

struct LegendEntry {
  std::string label;
  std::string colour;
  enum class Glyph { line, dashed, dot, square } glyph;
};

}  // namespace detail

struct Canvas {
  using Axis = detail::Axis;
  using Tick = detail::Tick;
  using LegendEntry = detail::LegendEntry;

  const Figure& f;
  std::string out;
  double left = 0, right = 0, top = 0, bottom = 0;  // the plot area
  std::vector<std::pair<double, double>> occupied;  // pixels a legend should not hide
  bool legend_above = false;  // a row between title and plot, for when every corner hides data
  size_t legend_hidden = 0;   // drawn points under the legend

  explicit Canvas(const Figure& figure) : f(figure) {}

  // The whole document into `out`.
  void render();
  void draw_axes_figure();  // line, scatter, vline, contour, regions
  void draw_heatmap();
  void draw_bars();

  void text(double x, double y, const std::string& content, const std::string& attributes = "");
  void tick_text(double x, double y, const Tick& tick, const std::string& attributes);
  void rect(double x, double y, double w, double h, const std::string& attributes);
  void segment(double x0, double y0, double x1, double y1, const std::string& attributes);

  // Everything drawn between these two is clipped to the plot area.
  void begin_clip();
  void end_clip();

  double top_margin() const;
  void labels(double x_centre, double y_centre, double ylabel_x);

  // Grid lines, frame, ticks and tick labels of a numeric axis pair.
  void grid_lines(const Axis* xa, const Axis& ya, const std::vector<Tick>& xticks,
                  const std::vector<Tick>& yticks);
  void frame(const Axis* xa, const Axis& ya, const std::vector<Tick>& xticks,
             const std::vector<Tick>& yticks);

  // A legend box in the corner of the plot area that hides the fewest drawn points.
  void legend(const std::vector<LegendEntry>& entries);
  // The legend as one row right-aligned above the plot area.
  void legend_row(const std::vector<LegendEntry>& entries);
  // A legend entry's swatch, 32 pixels wide from x, centred on cy.
  void glyph(const LegendEntry& e, double x, double cy);

  // A vertical colour scale at x from y0 (top, vmax) to y1 (bottom, vmin): `bands` steps, or a
  // smooth ramp when bands is 0.
  void colour_bar(double x, double y0, double y1, double vmin, double vmax, int bands);
  static std::vector<Tick> colour_bar_ticks(double vmin, double vmax, double pixels);
  static double colour_bar_width(double vmin, double vmax, double pixels);
};

}  // namespace plexus::plot
