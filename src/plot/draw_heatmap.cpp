// The heat map: square cells coloured on viridis, with row and column labels, optional
// values in the cells and a colour bar.
#include "plot/canvas.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "base/check.hpp"
#include "plot/colours.hpp"

namespace plexus::plot {

using detail::ink_on;
using detail::limits;
using detail::num;
using detail::Range;
using detail::short_number;
using detail::text_width;
using detail::viridis;
using detail::widest;

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

}  // namespace plexus::plot
