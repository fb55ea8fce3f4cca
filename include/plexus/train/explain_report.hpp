// What `plexus explain --report DIR` writes: a page that leads with the permutation importances
// (a bar chart and their table), then each top column's partial dependence with ICE curves.
#pragma once

#include <string>
#include <vector>

#include "plexus/io/explain.hpp"

namespace plexus::train {

struct ExplainReportInput {
  std::string title;
  size_t rows = 0;     ///< the labelled rows the importances were measured on
  size_t repeats = 0;  ///< shuffles per column
  io::PermutationImportance importance;
  std::vector<io::PartialDependence> dependence;  ///< in the order drawn
};

/// Writes the page and its figures into `dir` (plot::Report::write).
void write_explain_report(const std::string& dir, const ExplainReportInput& input);

/// One sentence on what an importance of the metric means, e.g. "accuracy lost when the column
/// is shuffled"; the same words in the report, the table and the docs.
std::string importance_meaning(const std::string& metric);

}  // namespace plexus::train
