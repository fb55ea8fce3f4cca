// px::plot::Figure: small standalone SVG plots of plain numbers (learning curves, scatter plots,
// confusion matrices, decision regions, bar charts). It depends on nothing of plexus but
// plexus/error.hpp, so any part of the library, the examples and the primer can use it.
//
// Every drawn mark carries class="mark <kind>" with kind one of series, point, vline, cell, band,
// region, bar; tests and the browser check count them.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace plexus::plot {

/// One named line or point set. Non-finite points (and points <= 0 on a log axis) are skipped;
/// a line breaks at them.
struct Series {
  std::string label;  ///< legend text; empty: not in the legend
  std::vector<double> x, y;
};

/// How a line is drawn.
struct LineStyle {
  int colour = -1;       ///< index into the palette; -1: the next unused colour
  bool dashed = false;   ///< e.g. the validation curve next to the training one
  bool markers = false;  ///< a dot at each point as well
};

/// One group of a bar chart: one value per category, drawn side by side with the other groups.
struct BarGroup {
  std::string label;
  std::vector<double> values;
};

/// The colour-blind-safe palette (Okabe and Ito) that lines, points, bars and regions cycle
/// through, as "#rrggbb".
const std::vector<std::string>& palette();

/// The centres of n equal cells over [lo, hi]: where to evaluate a model for contour() and
/// regions(), e.g. z[i][j] = f(xs[j], ys[i]).
std::vector<double> cell_centres(double lo, double hi, int n);

/// A figure with one pair of axes. Kinds that share numeric axes mix freely (line, scatter,
/// scatter_classes, vline, contour, regions); a heat map or a bar chart fills a figure alone.
/// Setters return *this to chain: Figure().title("loss").log_y().line({"train", x, y}).svg().
class Figure {
 public:
  explicit Figure(int width = 640, int height = 420);

  Figure& title(std::string text);
  Figure& xlabel(std::string text);
  Figure& ylabel(std::string text);
  Figure& log_x(bool on = true);
  Figure& log_y(bool on = true);
  /// Fixed axis ranges instead of the data's (lo < hi, both > 0 on a log axis).
  Figure& xlim(double lo, double hi);
  Figure& ylim(double lo, double hi);

  /// A line through the points in order; x and y have the same length.
  Figure& line(Series s, LineStyle style = {});
  /// Points of one colour (-1: the next unused colour).
  Figure& scatter(Series s, int colour = -1);
  /// Points coloured by class: cls[i] indexes class_names (and the palette); one legend entry per
  /// class name.
  Figure& scatter_classes(const std::vector<double>& x, const std::vector<double>& y,
                          const std::vector<int>& cls, const std::vector<std::string>& class_names);
  /// A dashed vertical line at x with a label at its top, e.g. the best epoch.
  Figure& vline(double x, std::string label);

  /// A matrix of values as coloured cells, row 0 at the top, with a colour bar; annotate writes
  /// each value in its cell. Labels: one per row and per column (or none).
  Figure& heatmap(const std::vector<std::vector<double>>& values,
                  std::vector<std::string> row_labels, std::vector<std::string> col_labels,
                  bool annotate = true);
  /// Filled contour bands of z over [x0, x1] x [y0, y1], with a colour bar: z[i][j] is the value
  /// of the cell in row i (y, row 0 at y0) and column j (x); see cell_centres(). Non-finite
  /// values leave their cell empty.
  Figure& contour(const std::vector<std::vector<double>>& z, double x0, double x1, double y0,
                  double y1, int levels = 10);
  /// Decision regions: classes[i][j] is the class of a cell laid out as in contour(), drawn in a
  /// light tint of that class' palette colour (negative: not drawn). Draw points on top with
  /// scatter_classes().
  Figure& regions(const std::vector<std::vector<int>>& classes, double x0, double x1, double y0,
                  double y1);
  /// Grouped bars: one slot per category, one bar per group in it; each group has one value per
  /// category.
  Figure& bars(std::vector<std::string> categories, std::vector<BarGroup> groups);

  /// A complete, standalone SVG document.
  std::string svg() const;
  /// Writes svg() to path; throws plexus::Error naming the path if it cannot.
  void save(const std::string& path) const;

 private:
  friend struct Canvas;  // draws a Figure (src/plot/canvas.hpp)
  struct Line {
    Series series;
    LineStyle style;
    bool points = false;  // a scatter: dots only
  };
  struct Classes {
    std::vector<double> x, y;
    std::vector<int> cls;
    std::vector<std::string> names;
  };
  struct Marker {
    double x;
    std::string label;
  };
  struct Grid {
    std::vector<std::vector<double>> z;
    double x0, x1, y0, y1;
    int levels;  // contour bands; 0 for regions (z holds class indices)
  };
  struct Heatmap {
    std::vector<std::vector<double>> values;
    std::vector<std::string> rows, cols;
    bool annotate;
  };
  struct Bars {
    std::vector<std::string> categories;
    std::vector<BarGroup> groups;
  };

  enum class Kind { empty, axes, heatmap, bars };
  void claim(Kind kind, const char* what);
  int next_colour();

  int width_, height_;
  std::string title_, xlabel_, ylabel_;
  bool log_x_ = false, log_y_ = false;
  std::optional<std::pair<double, double>> xlim_, ylim_;
  Kind kind_ = Kind::empty;
  int colours_used_ = 0;
  std::vector<Line> lines_;
  std::vector<Classes> classes_;
  std::vector<Marker> markers_;
  std::vector<Grid> grids_;
  std::optional<Heatmap> heatmap_;
  std::optional<Bars> bars_;
};

}  // namespace plexus::plot
