// Figure: records what to draw, checking each call's arguments; Canvas (canvas.hpp) lays it out
// and writes the SVG.
#include "plexus/plot/figure.hpp"

#include <cmath>
#include <string>
#include <utility>

#include "base/check.hpp"
#include "plexus/base/atomic_file.hpp"
#include "plot/canvas.hpp"
#include "plot/svg.hpp"

namespace plexus::plot {

std::vector<double> cell_centres(double lo, double hi, int n) {
  PLEXUS_CHECK(n > 0, "cell_centres: n must be positive, got ", n);
  std::vector<double> centres(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) centres[static_cast<size_t>(i)] = lo + (i + 0.5) * (hi - lo) / n;
  return centres;
}

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
