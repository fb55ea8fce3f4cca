// Figure: records what to draw; Canvas lays it out and writes the SVG. Layout works from estimated
// text widths (no font metrics), so margins grow with the longest tick label or name.
#include "plexus/plot/figure.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <tuple>
#include <utility>

#include "base/check.hpp"
#include "plexus/base/atomic_file.hpp"
#include "plot/svg.hpp"

namespace plexus::plot {

namespace {

using detail::escape;

constexpr double kFont = 11;         // tick labels, legend, annotations
constexpr double kCharWidth = 0.6;   // of the font size: a wide estimate, so labels never touch
constexpr double kPixelLimit = 1e6;  // coordinates far off the canvas are clamped, not printed

double text_width(const std::string& text, double size = kFont) {
  return static_cast<double>(text.size()) * size * kCharWidth;
}

// A coordinate with at most two decimals: "12.5", "-3", never "nan".
std::string num(double v) {
  v = std::clamp(v, -kPixelLimit, kPixelLimit);
  char text[40];
  std::snprintf(text, sizeof(text), "%.2f", v);
  std::string s = text;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s == "-0" ? "0" : s;
}

// Values written for people (cells, colour bar): 3 significant digits, integers as integers.
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

struct Rgb {
  double r, g, b;
};

Rgb parse_hex(const std::string& hex) {
  const auto channel = [&](size_t at) { return std::stoi(hex.substr(at, 2), nullptr, 16) / 255.0; };
  return {channel(1), channel(3), channel(5)};
}

std::string to_hex(Rgb c) {
  char text[8];
  const auto byte = [](double v) {
    return static_cast<int>(std::lround(std::clamp(v, 0.0, 1.0) * 255));
  };
  std::snprintf(text, sizeof(text), "#%02x%02x%02x", byte(c.r), byte(c.g), byte(c.b));
  return text;
}

// Viridis: perceptually uniform, readable in grey and by colour-blind readers. t in [0, 1].
Rgb viridis_rgb(double t) {
  static const std::array<const char*, 11> stops = {"#440154", "#482475", "#414487", "#355f8d",
                                                    "#2a788e", "#21918c", "#22a884", "#44bf70",
                                                    "#7ad151", "#bddf26", "#fde725"};
  t = std::isfinite(t) ? std::clamp(t, 0.0, 1.0) : 0.0;
  const double at = t * (stops.size() - 1);
  const size_t i = std::min(static_cast<size_t>(at), stops.size() - 2);
  const double f = at - static_cast<double>(i);
  const Rgb a = parse_hex(stops[i]), b = parse_hex(stops[i + 1]);
  return {a.r + f * (b.r - a.r), a.g + f * (b.g - a.g), a.b + f * (b.b - a.b)};
}

std::string viridis(double t) { return to_hex(viridis_rgb(t)); }

// Text on a viridis cell: white on the dark end, black on the light end.
const char* ink_on(double t) {
  const Rgb c = viridis_rgb(t);
  return 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b < 0.45 ? "#ffffff" : "#111111";
}

// A light tint of a palette colour, for regions under full-colour points.
std::string tint(const std::string& hex, double white) {
  const Rgb c = parse_hex(hex);
  return to_hex({c.r + white * (1 - c.r), c.g + white * (1 - c.g), c.b + white * (1 - c.b)});
}

const std::string& colour(int index) {
  const auto& colours = palette();
  const int n = static_cast<int>(colours.size());
  return colours[static_cast<size_t>(((index % n) + n) % n)];
}

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

double label_width(const Tick& tick) {
  return tick.power ? text_width("10") + text_width(tick.label, 8) : text_width(tick.label);
}

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

// The unlabelled 2..9 ticks between decades, where there is room for them.
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

struct LegendEntry {
  std::string label;
  std::string colour;
  enum class Glyph { line, dashed, dot, square } glyph;
};

}  // namespace

const std::vector<std::string>& palette() {
  // Okabe and Ito's eight colours, the yellow late because it is faint on white.
  static const std::vector<std::string> colours = {"#0072b2", "#e69f00", "#009e73", "#d55e00",
                                                   "#cc79a7", "#56b4e9", "#f0e442", "#000000"};
  return colours;
}

std::vector<double> cell_centres(double lo, double hi, int n) {
  PLEXUS_CHECK(n > 0, "cell_centres: n must be positive, got ", n);
  std::vector<double> centres(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) centres[static_cast<size_t>(i)] = lo + (i + 0.5) * (hi - lo) / n;
  return centres;
}

// ---- Figure: validate and record ----

Figure::Figure(int width, int height) : width_(width), height_(height) {
  PLEXUS_CHECK(width >= 160 && height >= 120, "Figure: ", width, "x", height,
               " is too small; it needs at least 160x120 pixels");
}

Figure& Figure::title(std::string text) {
  title_ = std::move(text);
  return *this;
}
Figure& Figure::xlabel(std::string text) {
  xlabel_ = std::move(text);
  return *this;
}
Figure& Figure::ylabel(std::string text) {
  ylabel_ = std::move(text);
  return *this;
}
Figure& Figure::log_x(bool on) {
  log_x_ = on;
  return *this;
}
Figure& Figure::log_y(bool on) {
  log_y_ = on;
  return *this;
}

Figure& Figure::xlim(double lo, double hi) {
  PLEXUS_CHECK(std::isfinite(lo) && std::isfinite(hi) && lo < hi,
               "Figure::xlim: needs lo < hi, got ", lo, ", ", hi);
  xlim_ = {lo, hi};
  return *this;
}

Figure& Figure::ylim(double lo, double hi) {
  PLEXUS_CHECK(std::isfinite(lo) && std::isfinite(hi) && lo < hi,
               "Figure::ylim: needs lo < hi, got ", lo, ", ", hi);
  ylim_ = {lo, hi};
  return *this;
}

void Figure::claim(Kind kind, const char* what) {
  PLEXUS_CHECK(kind_ == Kind::empty || kind_ == kind, "Figure::", what,
               ": a heat map or a bar chart fills a figure alone; use another Figure");
  kind_ = kind;
}

int Figure::next_colour() { return colours_used_++; }

Figure& Figure::line(Series s, LineStyle style) {
  PLEXUS_CHECK(s.x.size() == s.y.size(), "Figure::line(\"", s.label, "\"): ", s.x.size(),
               " x values but ", s.y.size(), " y values");
  claim(Kind::axes, "line");
  if (style.colour < 0) style.colour = next_colour();
  lines_.push_back({std::move(s), style, false});
  return *this;
}

Figure& Figure::scatter(Series s, int colour) {
  PLEXUS_CHECK(s.x.size() == s.y.size(), "Figure::scatter(\"", s.label, "\"): ", s.x.size(),
               " x values but ", s.y.size(), " y values");
  claim(Kind::axes, "scatter");
  lines_.push_back({std::move(s), {colour < 0 ? next_colour() : colour, false, true}, true});
  return *this;
}

Figure& Figure::scatter_classes(const std::vector<double>& x, const std::vector<double>& y,
                                const std::vector<int>& cls,
                                const std::vector<std::string>& class_names) {
  PLEXUS_CHECK(x.size() == y.size() && x.size() == cls.size(),
               "Figure::scatter_classes: ", x.size(), " x values, ", y.size(), " y values and ",
               cls.size(), " classes; they must be as many");
  for (const int c : cls)
    PLEXUS_CHECK(c >= 0 && static_cast<size_t>(c) < class_names.size(),
                 "Figure::scatter_classes: class ", c, " has no name (", class_names.size(),
                 " class names)");
  claim(Kind::axes, "scatter_classes");
  classes_.push_back({x, y, cls, class_names});
  return *this;
}

Figure& Figure::vline(double x, std::string label) {
  PLEXUS_CHECK(std::isfinite(x), "Figure::vline(\"", label, "\"): x is ", x);
  claim(Kind::axes, "vline");
  markers_.push_back({x, std::move(label)});
  return *this;
}

Figure& Figure::heatmap(const std::vector<std::vector<double>>& values,
                        std::vector<std::string> row_labels, std::vector<std::string> col_labels,
                        bool annotate) {
  PLEXUS_CHECK(!values.empty() && !values[0].empty(), "Figure::heatmap: the matrix is empty");
  for (const auto& row : values)
    PLEXUS_CHECK(row.size() == values[0].size(), "Figure::heatmap: rows of ", values[0].size(),
                 " and of ", row.size(), " values; the matrix must be rectangular");
  PLEXUS_CHECK(row_labels.empty() || row_labels.size() == values.size(),
               "Figure::heatmap: ", row_labels.size(), " row labels for ", values.size(), " rows");
  PLEXUS_CHECK(col_labels.empty() || col_labels.size() == values[0].size(),
               "Figure::heatmap: ", col_labels.size(), " column labels for ", values[0].size(),
               " columns");
  claim(Kind::heatmap, "heatmap");
  PLEXUS_CHECK(!heatmap_, "Figure::heatmap: a figure holds one heat map");
  heatmap_ = Heatmap{values, std::move(row_labels), std::move(col_labels), annotate};
  return *this;
}

namespace {
void check_extent(double x0, double x1, double y0, double y1, const char* what) {
  PLEXUS_CHECK(std::isfinite(x0) && std::isfinite(x1) && std::isfinite(y0) && std::isfinite(y1) &&
                   x0 < x1 && y0 < y1,
               "Figure::", what, ": needs x0 < x1 and y0 < y1, got x ", x0, "..", x1, ", y ", y0,
               "..", y1);
}
}  // namespace

Figure& Figure::contour(const std::vector<std::vector<double>>& z, double x0, double x1, double y0,
                        double y1, int levels) {
  PLEXUS_CHECK(!z.empty() && !z[0].empty(), "Figure::contour: the grid is empty");
  for (const auto& row : z)
    PLEXUS_CHECK(row.size() == z[0].size(), "Figure::contour: rows of ", z[0].size(), " and of ",
                 row.size(), " values; the grid must be rectangular");
  check_extent(x0, x1, y0, y1, "contour");
  PLEXUS_CHECK(levels >= 1 && levels <= 64, "Figure::contour: levels must be in 1..64, got ",
               levels);
  claim(Kind::axes, "contour");
  for (const auto& grid : grids_)
    PLEXUS_CHECK(grid.levels == 0, "Figure::contour: a figure holds one contour plot");
  grids_.push_back({z, x0, x1, y0, y1, levels});
  return *this;
}

Figure& Figure::regions(const std::vector<std::vector<int>>& classes, double x0, double x1,
                        double y0, double y1) {
  PLEXUS_CHECK(!classes.empty() && !classes[0].empty(), "Figure::regions: the grid is empty");
  std::vector<std::vector<double>> z;
  for (const auto& row : classes) {
    PLEXUS_CHECK(row.size() == classes[0].size(), "Figure::regions: rows of ", classes[0].size(),
                 " and of ", row.size(), " classes; the grid must be rectangular");
    z.emplace_back(row.begin(), row.end());
  }
  check_extent(x0, x1, y0, y1, "regions");
  claim(Kind::axes, "regions");
  grids_.push_back({std::move(z), x0, x1, y0, y1, 0});
  return *this;
}

Figure& Figure::bars(std::vector<std::string> categories, std::vector<BarGroup> groups) {
  PLEXUS_CHECK(!categories.empty() && !groups.empty(),
               "Figure::bars: needs at least one category and one group");
  for (const auto& group : groups)
    PLEXUS_CHECK(group.values.size() == categories.size(), "Figure::bars: group \"", group.label,
                 "\" has ", group.values.size(), " values for ", categories.size(), " categories");
  claim(Kind::bars, "bars");
  PLEXUS_CHECK(!bars_, "Figure::bars: a figure holds one bar chart");
  bars_ = Bars{std::move(categories), std::move(groups)};
  return *this;
}

// ---- Canvas: layout and SVG ----

struct Canvas {
  const Figure& f;
  std::string out;
  double left = 0, right = 0, top = 0, bottom = 0;  // the plot area
  std::vector<std::pair<double, double>> occupied;  // pixels a legend should not hide
  bool legend_above = false;  // a row between title and plot, for when every corner hides data
  size_t legend_hidden = 0;   // drawn points under the legend

  explicit Canvas(const Figure& figure) : f(figure) {}

  void text(double x, double y, const std::string& content, const std::string& attributes = "") {
    out += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\"" +
           (attributes.empty() ? "" : " " + attributes) + ">" + escape(content) + "</text>\n";
  }

  void tick_text(double x, double y, const Tick& tick, const std::string& attributes) {
    if (!tick.power) return text(x, y, tick.label, attributes);
    std::string exponent = tick.label;
    if (exponent.starts_with('-')) exponent = "\u2212" + exponent.substr(1);
    out += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" " + attributes +
           ">10<tspan dy=\"-5\" font-size=\"8\">" + exponent + "</tspan></text>\n";
  }

  void rect(double x, double y, double w, double h, const std::string& attributes) {
    out += "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(std::max(w, 0.0)) +
           "\" height=\"" + num(std::max(h, 0.0)) + "\" " + attributes + "/>\n";
  }

  void segment(double x0, double y0, double x1, double y1, const std::string& attributes) {
    out += "<line x1=\"" + num(x0) + "\" y1=\"" + num(y0) + "\" x2=\"" + num(x1) + "\" y2=\"" +
           num(y1) + "\" " + attributes + "/>\n";
  }

  // Everything drawn between these two is clipped to the plot area.
  void begin_clip() {
    out += "<svg x=\"" + num(left) + "\" y=\"" + num(top) + "\" width=\"" + num(right - left) +
           "\" height=\"" + num(bottom - top) + "\" viewBox=\"" + num(left) + " " + num(top) + " " +
           num(right - left) + " " + num(bottom - top) + "\" overflow=\"hidden\">\n";
  }
  void end_clip() { out += "</svg>\n"; }

  double top_margin() const { return (f.title_.empty() ? 14 : 38) + (legend_above ? 18 : 0); }

  void labels(double x_centre, double y_centre, double ylabel_x) {
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

  // Grid lines, frame, ticks and tick labels of a numeric axis pair.
  void grid_lines(const Axis* xa, const Axis& ya, const std::vector<Tick>& xticks,
                  const std::vector<Tick>& yticks) {
    const std::string grid = "class=\"grid\" stroke=\"#e4e4e4\" stroke-width=\"1\"";
    if (xa)
      for (const auto& t : xticks) segment(xa->map(t.value), top, xa->map(t.value), bottom, grid);
    for (const auto& t : yticks) segment(left, ya.map(t.value), right, ya.map(t.value), grid);
  }

  void frame(const Axis* xa, const Axis& ya, const std::vector<Tick>& xticks,
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

  // A legend box in the corner of the plot area that hides the fewest drawn points.
  void legend(const std::vector<LegendEntry>& entries) {
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

  // The legend as one row right-aligned above the plot area.
  void legend_row(const std::vector<LegendEntry>& entries) {
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

  // A legend entry's swatch, 32 pixels wide from x, centred on cy.
  void glyph(const LegendEntry& e, double x, double cy) {
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

  // A vertical colour scale at x from y0 (top, vmax) to y1 (bottom, vmin): `bands` steps, or a
  // smooth ramp when bands is 0.
  void colour_bar(double x, double y0, double y1, double vmin, double vmax, int bands) {
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

  static std::vector<Tick> colour_bar_ticks(double vmin, double vmax, double pixels) {
    return ticks_for(Axis{vmin, vmax, false, 0, pixels}, pixels, 45);
  }

  static double colour_bar_width(double vmin, double vmax, double pixels) {
    return 16 + 14 + 8 + widest(colour_bar_ticks(vmin, vmax, pixels));
  }

  void render();
  void draw_axes_figure();
  void draw_heatmap();
  void draw_bars();
};

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

void Canvas::draw_heatmap() {
  const auto& h = *f.heatmap_;
  const size_t rows = h.values.size(), cols = h.values[0].size();
  Range vr;
  for (const auto& row : h.values)
    for (const double v : row)
      if (std::isfinite(v)) vr.add(v);
  const auto [vlo, vhi] = limits(vr, false, 0);

  top = top_margin();
  const double row_w = h.rows.empty() ? 0 : widest(h.rows) + 10;
  const double col_w = widest(h.cols);
  left = (f.ylabel_.empty() ? 8 : 26) + row_w;
  const double xlabel_h = f.xlabel_.empty() ? 0 : 18;
  const double bar_w = colour_bar_width(vlo, vhi, f.height_ - top - 40);
  const double avail_w = f.width_ - left - bar_w - 12;
  // Square cells; column labels turn 45 degrees when they do not fit under their cell.
  double bottom_margin = 8 + xlabel_h + (h.cols.empty() ? 0 : 20);
  double cell = std::min(avail_w / static_cast<double>(cols),
                         (f.height_ - top - bottom_margin) / static_cast<double>(rows));
  const bool rotate = !h.cols.empty() && col_w > cell - 6;
  if (rotate) {
    bottom_margin = 8 + xlabel_h + 14 + col_w * 0.72;
    cell = std::min(avail_w / static_cast<double>(cols),
                    (f.height_ - top - bottom_margin) / static_cast<double>(rows));
  }
  PLEXUS_CHECK(cell >= 2, "Figure::heatmap: ", rows, "x", cols,
               " cells do not fit in the figure; make it larger or the labels shorter");
  left += (avail_w - cell * static_cast<double>(cols)) / 2;
  right = left + cell * static_cast<double>(cols);
  bottom = top + cell * static_cast<double>(rows);

  // Annotations as large as fit in a cell, and not below 7px.
  double font = std::min(13.0, cell * 0.34);
  if (h.annotate) {
    double widest_value = 0;
    for (const auto& row : h.values)
      for (const double v : row)
        if (std::isfinite(v)) widest_value = std::max(widest_value, text_width(short_number(v), 1));
    if (widest_value > 0) font = std::min(font, (cell - 4) / widest_value);
  }
  const bool annotate = h.annotate && font >= 7;
  out += "<g class=\"heatmap\">\n";
  for (size_t i = 0; i < rows; ++i)
    for (size_t j = 0; j < cols; ++j) {
      const double v = h.values[i][j];
      if (!std::isfinite(v)) continue;
      const double t = (v - vlo) / (vhi - vlo);
      const double x = left + cell * static_cast<double>(j),
                   y = top + cell * static_cast<double>(i);
      rect(x, y, cell, cell,
           "class=\"mark cell\" fill=\"" + viridis(t) + "\" stroke=\"#ffffff\" stroke-width=\"1\"");
      if (annotate)
        text(x + cell / 2, y + cell / 2 + font * 0.36, short_number(v),
             "class=\"cell-value\" text-anchor=\"middle\" font-size=\"" + num(font) + "\" fill=\"" +
                 ink_on(t) + "\"");
    }
  out += "</g>\n";
  for (size_t i = 0; i < h.rows.size(); ++i)
    text(left - 6, top + cell * (static_cast<double>(i) + 0.5) + 4, h.rows[i],
         "class=\"tick-label y\" text-anchor=\"end\"");
  for (size_t j = 0; j < h.cols.size(); ++j) {
    const double x = left + cell * (static_cast<double>(j) + 0.5);
    if (rotate) {
      text(x + 3, bottom + 10, h.cols[j],
           "class=\"tick-label x\" text-anchor=\"end\" transform=\"rotate(-45 " + num(x + 3) + " " +
               num(bottom + 10) + ")\"");
    } else {
      text(x, bottom + 16, h.cols[j], "class=\"tick-label x\" text-anchor=\"middle\"");
    }
  }
  colour_bar(right + 16, top, bottom, vlo, vhi, 0);
  const double ylabel_x = left - row_w - 12;
  if (!f.title_.empty())
    text(f.width_ / 2.0, 24, f.title_,
         "class=\"title\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\"");
  if (!f.xlabel_.empty())
    text((left + right) / 2, bottom_margin - 10 + bottom, f.xlabel_,
         "class=\"xlabel\" text-anchor=\"middle\" font-size=\"12\"");
  if (!f.ylabel_.empty())
    text(ylabel_x, (top + bottom) / 2, f.ylabel_,
         "class=\"ylabel\" text-anchor=\"middle\" font-size=\"12\" transform=\"rotate(-90 " +
             num(ylabel_x) + " " + num((top + bottom) / 2) + ")\"");
}

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

std::string Figure::svg() const {
  PLEXUS_CHECK(kind_ == Kind::axes || kind_ == Kind::empty || (!log_x_ && !log_y_),
               "Figure: log axes apply to line, scatter, contour and regions plots, not to ",
               kind_ == Kind::heatmap ? "a heat map" : "a bar chart");
  Canvas canvas(*this);
  canvas.render();
  if (canvas.legend_hidden == 0) return canvas.out;
  Canvas above(*this);
  above.legend_above = true;
  above.render();
  return above.out;
}

void Figure::save(const std::string& path) const { ::plexus::write_file_atomically(path, svg()); }

}  // namespace plexus::plot
