// The scores of a prediction as text and as JSON: what plexus train and eval print.
#include <algorithm>
#include <iomanip>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "plexus/base/text.hpp"
#include "plexus/io/model_file.hpp"
#include "plexus/train/metrics.hpp"

namespace plexus::metrics {

using json = nlohmann::json;

std::string scores_text(const Scores& s, const std::vector<std::string>& classes, bool details) {
  std::ostringstream out;
  out << std::fixed;
  if (s.task == data::Task::regression) {
    out << std::setprecision(6) << "  MSE " << s.mse << "   MAE " << s.mae << "   R2 "
        << std::setprecision(4) << s.r2 << "\n";
    if (details) out << calibration_text(s);
    return out.str();
  }
  out << std::setprecision(4) << "  accuracy " << s.accuracy << "   macro F1 " << s.macro_f1
      << "\n";
  if (!details) return out.str();
  out << calibration_text(s);
  size_t width = 5;
  for (const auto& c : classes) width = std::max(width, c.size());
  out << "\n  " << std::left << std::setw(static_cast<int>(width)) << "class" << std::right
      << "  precision  recall      f1  support\n";
  for (size_t c = 0; c < classes.size(); ++c)
    out << "  " << std::left << std::setw(static_cast<int>(width)) << classes[c] << std::right
        << std::setw(11) << s.precision[c] << std::setw(8) << s.recall[c] << std::setw(8) << s.f1[c]
        << std::setw(9) << s.support[c] << "\n";
  out << "\n  confusion matrix (rows: true class, columns: predicted)\n";
  size_t cell = 6;
  for (const auto& row : s.confusion)
    for (auto v : row) cell = std::max(cell, std::to_string(v).size() + 1);
  out << "  " << std::setw(static_cast<int>(width)) << "";
  for (size_t c = 0; c < classes.size(); ++c)
    out << std::setw(static_cast<int>(cell)) << std::to_string(c);
  out << "\n";
  for (size_t r = 0; r < classes.size(); ++r) {
    out << "  " << std::left << std::setw(static_cast<int>(width))
        << (std::to_string(r) + " " + classes[r]).substr(0, width) << std::right;
    for (auto v : s.confusion[r]) out << std::setw(static_cast<int>(cell)) << v;
    out << "\n";
  }
  return out.str();
}

std::string calibration_text(const Scores& s) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(4);
  if (s.task == data::Task::regression) {
    if (s.interval_level > 0)
      out << "  " << std::setprecision(0) << s.interval_level * 100
          << "% conformal intervals: cover " << std::setprecision(1) << s.interval_coverage * 100
          << "% of rows, width " << std::setprecision(6) << s.interval_width << "\n";
    if (!s.quantiles.empty())
      out << "  quantiles " << io::quantile_levels_text(s.quantiles) << ": pinball loss "
          << std::setprecision(6) << s.pinball << ", " << std::setprecision(1)
          << s.quantile_coverage * 100 << "% of rows between q" << number_text(s.quantiles.front())
          << " and q" << number_text(s.quantiles.back()) << " (mean width " << std::setprecision(6)
          << s.quantile_width << ")\n";
    return out.str();
  }
  out << "  log-loss " << s.log_loss << "   Brier " << s.brier << "   ECE " << s.ece << " ("
      << s.ece_bins << " equal-width bins)";
  if (s.threshold) out << "   threshold " << *s.threshold;
  out << "\n";
  return out.str();
}

std::string scores_json(const Scores& s, const std::vector<std::string>& classes, bool details) {
  json out = json::object();
  if (s.task == data::Task::classification) {
    out["test_accuracy"] = s.accuracy;
    out["test_macro_f1"] = s.macro_f1;
    out["test_log_loss"] = s.log_loss;
    out["test_brier"] = s.brier;
    out["test_ece"] = s.ece;
    out["ece_bins"] = s.ece_bins;
    if (s.threshold) out["threshold"] = *s.threshold;
    if (details) {
      out["classes"] = classes;
      out["confusion_matrix"] = s.confusion;
      json per_class = json::object();
      for (size_t c = 0; c < classes.size(); ++c)
        per_class[classes[c]] = {{"precision", s.precision[c]},
                                 {"recall", s.recall[c]},
                                 {"f1", s.f1[c]},
                                 {"support", s.support[c]}};
      out["per_class"] = per_class;
    }
  } else {
    out["test_mse"] = s.mse;
    out["test_mae"] = s.mae;
    out["test_r2"] = s.r2;
    if (s.interval_level > 0) {
      out["test_interval_coverage"] = s.interval_coverage;
      out["test_interval_width"] = s.interval_width;
      out["interval_level"] = s.interval_level;
    }
    if (!s.quantiles.empty()) {
      out["quantiles"] = s.quantiles;
      out["test_pinball"] = s.pinball;
      out["test_quantile_coverage"] = s.quantile_coverage;
      out["test_quantile_width"] = s.quantile_width;
    }
  }
  return out.dump();
}

}  // namespace plexus::metrics
