// A training run as a self-contained HTML page (plot/report.hpp): settings, columns, metrics,
// learning curves with the best epoch marked, per-layer diagnostics, and per task the confusion
// matrix, per-class bars, the reliability diagram and decision regions, or predicted-vs-true and
// residual plots. What `plexus train --report DIR` writes.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "plexus/data/prepare.hpp"
#include "plexus/train/diagnostics.hpp"
#include "plexus/train/history.hpp"
#include "plexus/train/metrics.hpp"

namespace plexus::train {

struct ReportInput {
  std::string title;
  /// Shown as they are, in order.
  std::vector<std::pair<std::string, std::string>> settings, columns, metrics;
  const History* history = nullptr;
  std::optional<size_t> best_epoch;  ///< from 0
  metrics::Scores scores;            ///< of the test set
  std::vector<std::string> classes;
  /// Two numeric features: the test points in raw units and a classifier of grid points.
  std::vector<std::string> axis_names;
  std::vector<double> point_x, point_y;
  std::vector<int> point_class;
  std::function<std::vector<int>(const std::vector<double>& x, const std::vector<double>& y)>
      classify;
  /// Each epoch's layers (train/diagnostics.hpp); empty for none.
  std::vector<std::vector<LayerDiagnostics>> diagnostics;
};

/// Fills the decision regions when the data has exactly two input columns, both numeric: the test
/// rows of `test_table` (data.test_rows) as points in raw units, and `network` as the classifier
/// of grid points (preprocessed as data.preprocessing says). Nothing otherwise. `network` must
/// outlive the report's writing.
void add_decision_regions(ReportInput& report, const data::PreparedData& data, nn::Module& network,
                          const data::Table& test_table);

/// Writes the page and its figures into `dir`.
void write_report(const std::string& dir, const ReportInput& input);

}  // namespace plexus::train
