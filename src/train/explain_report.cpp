// The explanation page: importances as bars (the spread in the table beside them), then per top
// column its partial dependence (bold) over thin ICE curves, or bars per category.
#include "plexus/train/explain_report.hpp"

#include "plexus/plot/figure.hpp"
#include "plexus/plot/report.hpp"

namespace plexus::train {

std::string importance_meaning(const std::string& metric) {
  return metric == "accuracy" ? "accuracy lost when the column is shuffled"
                              : "RMSE gained when the column is shuffled";
}

void write_explain_report(const std::string& dir, const ExplainReportInput& in) {
  plot::Report report(in.title);
  const auto& importance = in.importance;
  report.paragraph("Permutation importance on " + std::to_string(in.rows) + " labelled rows: the " +
                   importance_meaning(importance.metric) + ", the mean of " +
                   std::to_string(in.repeats) + " shuffles. The model's " + importance.metric +
                   " on the rows as given is " + plot::format_number(importance.score, 3) + ".");
  std::vector<std::string> names;
  std::vector<double> values;
  std::vector<std::vector<std::string>> rows;
  for (const auto& column : importance.columns) {
    names.push_back(column.column);
    values.push_back(column.importance);
    rows.push_back({column.column, plot::format_number(column.importance, 3),
                    plot::format_number(column.std, 2)});
  }
  plot::Figure bars(std::max(640, 60 * static_cast<int>(names.size())), 420);
  bars.title("permutation importance")
      .ylabel(importance.metric == "accuracy" ? "accuracy lost" : "RMSE gained");
  bars.bars(names, {{"importance", values}});
  report.figure("importance", bars, "how much worse the model does without each column");
  report.table({"column", "importance", "spread (std)"}, rows, "importances, most important first");

  if (!in.dependence.empty()) {
    report.section("Partial dependence");
    report.paragraph(
        "Each figure sets one column to each value of a grid in every row: the line with dots is "
        "the mean prediction (partial dependence), the thin lines single rows (ICE).");
  }
  for (size_t i = 0; i < in.dependence.size(); ++i) {
    const auto& d = in.dependence[i];
    plot::Figure figure;
    figure.title("partial dependence on " + d.column).xlabel(d.column).ylabel(d.output_name);
    if (d.categorical) {
      figure.bars(d.grid, {{"mean " + d.output_name, d.average}});
    } else {
      for (const auto& curve : d.ice)
        figure.line({"", d.grid_values, curve}, {.colour = 5, .dashed = false, .markers = false});
      figure.line({"partial dependence", d.grid_values, d.average},
                  {.colour = 3, .dashed = false, .markers = true});
    }
    report.figure("pdp_" + std::to_string(i), figure,
                  d.categorical ? d.output_name + " per category of " + d.column
                                : d.output_name + " as " + d.column + " varies (" +
                                      std::to_string(d.ice.size()) + " rows' ICE curves)");
  }
  report.write(dir);
}

}  // namespace plexus::train
