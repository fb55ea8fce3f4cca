// The run report reads top down as a reader asks: the headline scores, rounded, with what they
// mean; then the figures, each drawn from the numbers the run gave (the decision regions ask the
// caller's classifier for a grid over the test points' range); then the details folded: every
// result, the inferred columns, the settings that differ from the defaults.
#include "plexus/train/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>

#include <nlohmann/json.hpp>

#include "plexus/base/text.hpp"
#include "plexus/io/model_file.hpp"
#include "plexus/ops/reduce.hpp"
#include "plexus/plot/figure.hpp"
#include "plexus/plot/report.hpp"
#include "plexus/train/settings.hpp"

namespace plexus::train {
namespace {

/// The default settings as the command lists a run's: strings as they are, the rest as JSON.
std::vector<std::pair<std::string, std::string>> default_settings() {
  std::vector<std::pair<std::string, std::string>> out;
  const auto defaults = nlohmann::json::parse(to_json(TrainSettings{}));
  for (const auto& [key, value] : defaults.items())
    out.emplace_back(key, value.is_string() ? value.get<std::string>() : value.dump());
  return out;
}

/// A number rounded for reading: whole above 100 (3332.25 -> 3332), else 4 significant digits.
std::string rounded(double value) {
  return std::abs(value) >= 100 ? plot::format_number(std::round(value))
                                : plot::format_number(value, 4);
}

/// A value as the run wrote it (a number, JSON text, or plain text) made readable: numbers
/// rounded, quotes around strings dropped; empty for nothing (null, "", [], {}).
std::string readable(const std::string& text) {
  char* end = nullptr;
  const double number = std::strtod(text.c_str(), &end);
  if (!text.empty() && *end == '\0') return rounded(number);
  if (text == "null" || text == "\"\"" || text == "[]" || text == "{}") return "";
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"')
    return text.substr(1, text.size() - 2);
  return text;
}

const std::string* find_value(const std::vector<std::pair<std::string, std::string>>& rows,
                              const std::string& key) {
  for (const auto& [name, value] : rows)
    if (name == key) return &value;
  return nullptr;
}

/// The headline: the test scores with what each means, and a line on how the run went.
void add_headline(plot::Report& report, const ReportInput& in) {
  const auto& s = in.scores;
  const bool classification = s.task == data::Task::classification;
  const size_t rows =
      classification
          ? static_cast<size_t>(std::accumulate(s.support.begin(), s.support.end(), int64_t{0}))
          : s.actual.size();
  report.section("Results");
  if (rows == 0) {
    report.paragraph("No test rows were scored: the learning curves below show how it trained.");
  } else if (classification) {
    report.headline(
        {{"accuracy", rounded(s.accuracy),
          plot::format_number(100 * s.accuracy, 3) + "% of the " + std::to_string(rows) +
              " test rows get the right class"},
         {"macro F1", rounded(s.macro_f1),
          "the mean over the classes of F1 (precision and recall together); 1 is perfect"}});
  } else {
    report.headline(
        {{"RMSE", rounded(std::sqrt(s.mse)),
          "the typical error on the " + std::to_string(rows) + " test rows, in the target's units"},
         {"MAE", rounded(s.mae), "the mean absolute error, in the target's units"},
         {"R2", rounded(s.r2),
          "the share of the target's variance explained: 1 is perfect, 0 is guessing the mean"}});
  }
  std::string run;
  if (const auto* epochs = find_value(in.metrics, "epochs_run"))
    run += "Trained for " + readable(*epochs) + " epochs";
  if (const auto* best = find_value(in.metrics, "best_epoch"))
    run += (run.empty() ? "The best epoch was " : " (best epoch ") + readable(*best) +
           (run.empty() ? "" : ")");
  if (const auto* seconds = find_value(in.metrics, "train_seconds"))
    run += (run.empty() ? "Trained" : "") + std::string(" in ") + readable(*seconds) + " s";
  if (const auto* model = find_value(in.metrics, "model"); model && !readable(*model).empty())
    run += (run.empty() ? "Saved" : "; saved") + std::string(" as ") + readable(*model);
  if (!run.empty()) report.paragraph(run + ".");
}

/// Folded below the figures: every result rounded, the inferred columns, the settings given.
void add_details(plot::Report& report, const ReportInput& in) {
  report.details("Details: all results, columns and settings");
  std::vector<std::pair<std::string, std::string>> results;
  for (const auto& [key, value] : in.metrics)
    if (const std::string text = readable(value); !text.empty()) results.emplace_back(key, text);
  if (!results.empty()) report.key_values(results, "results");
  if (!in.columns.empty()) report.key_values(in.columns, "inferred columns");
  // Settings as the run gave them, less those at their defaults and those left empty.
  const auto defaults = default_settings();
  std::vector<std::pair<std::string, std::string>> given;
  for (const auto& [key, value] : in.settings) {
    const std::string text = readable(value);
    const auto d = std::find_if(defaults.begin(), defaults.end(),
                                [&name = key](const auto& kv) { return kv.first == name; });
    if (!text.empty() && (d == defaults.end() || readable(d->second) != text))
      given.emplace_back(key, text);
  }
  if (!given.empty()) report.key_values(given, "settings (the others at their defaults)");
}

/// The reliability diagram: per confidence bin with rows in it, the mean confidence against the
/// share of rows whose most probable class is right; a calibrated model lies on the diagonal.
void add_reliability(plot::Report& report, const metrics::Scores& s) {
  std::vector<double> confidence, accuracy;
  for (const auto& bin : s.reliability)
    if (bin.rows > 0) confidence.push_back(bin.confidence), accuracy.push_back(bin.accuracy);
  if (confidence.empty()) return;
  plot::Figure figure(520, 460);
  figure.title("reliability diagram").xlabel("mean confidence").ylabel("accuracy");
  figure.xlim(-0.03, 1.03).ylim(-0.03, 1.03);  // a margin keeps points at 0 and 1 whole
  figure.line({"calibrated", {0.0, 1.0}, {0.0, 1.0}},
              {.colour = 1, .dashed = true, .markers = false});
  figure.line({"test rows", confidence, accuracy}, {.colour = 0, .dashed = false, .markers = true});
  report.figure("reliability", figure,
                "test rows in " + std::to_string(s.ece_bins) +
                    " equal-width bins of confidence (the largest probability), a point per bin "
                    "with rows; on the diagonal a probability is the share that comes true. "
                    "Expected calibration error " +
                    rounded(s.ece) + ".");
}

}  // namespace

void add_decision_regions(ReportInput& report, const data::PreparedData& data, nn::Module& network,
                          const data::Table& test_table) {
  const auto& pre = data.preprocessing;
  const bool two_numeric =
      pre && data.classification() && data.features.size() == 2 && data.has_test() &&
      std::count_if(pre->columns().begin(), pre->columns().end(), [](const auto& column) {
        return column.kind == data::ColumnKind::numeric;
      }) == 2;
  if (!two_numeric) return;
  report.axis_names = data.features;
  const int x = test_table.column_index(data.features[0]);
  const int y = test_table.column_index(data.features[1]);
  for (size_t i = 0; i < data.test_rows.size(); ++i) {
    const size_t row = data.test_rows[i];
    report.point_x.push_back(std::strtod(std::string(test_table.cell(row, x)).c_str(), nullptr));
    report.point_y.push_back(std::strtod(std::string(test_table.cell(row, y)).c_str(), nullptr));
    report.point_class.push_back(static_cast<int>(data.y_test.data()[i]));
  }
  // Grid points go through the same preprocessing as the data: a table of their cells.
  report.classify = [&network, features = data.features, preprocessing = *pre](
                        const std::vector<double>& gx, const std::vector<double>& gy) {
    std::vector<std::vector<std::string>> cells;
    for (size_t i = 0; i < gx.size(); ++i)
      cells.push_back({number_text(gx[i]), number_text(gy[i])});
    const data::Table grid("grid", features, cells);
    std::vector<size_t> rows(grid.rows());
    std::iota(rows.begin(), rows.end(), size_t{0});
    const Tensor classes =
        argmax(io::forward_in_batches(network, preprocessing.transform(grid, rows)), 1);
    return std::vector<int>(classes.data(), classes.data() + classes.numel());
  };
}

void write_report(const std::string& dir, const ReportInput& in) {
  plot::Report report(in.title);
  add_headline(report, in);
  const bool classification = in.scores.task == data::Task::classification;
  if (in.history != nullptr && !in.history->empty()) {
    report.section("Learning curves");
    std::vector<double> x;
    for (size_t e = 0; e < in.history->epochs(); ++e) x.push_back(static_cast<double>(e + 1));
    const auto& last = in.history->last();
    auto curve = [&](const std::string& name, const std::string& title) {
      plot::Figure figure;
      figure.title(title).xlabel("epoch").ylabel(name);
      figure.line({"train", x, in.history->series(name)},
                  {.colour = 0, .dashed = false, .markers = false});
      if (last.find("val_" + name))
        figure.line({"validation", x, in.history->series("val_" + name)},
                    {.colour = 1, .dashed = true, .markers = false});
      if (in.best_epoch)
        figure.vline(static_cast<double>(*in.best_epoch + 1),
                     "best epoch " + std::to_string(*in.best_epoch + 1));
      return figure;
    };
    report.figure("loss", curve("loss", "loss"), "training and validation loss per epoch");
    std::string metric = classification ? "accuracy" : "r2";
    if (last.find(metric))
      report.figure(metric, curve(metric, metric),
                    classification ? "accuracy per epoch" : "R2 per epoch (standardised target)");
  }
  if (!in.diagnostics.empty()) {
    // Per layer, over the epochs: where gradients vanish or explode, where units die.
    report.section("Diagnostics");
    plot::Figure grads;
    grads.title("gradient norm per layer").xlabel("epoch").ylabel("L2 norm").log_y();
    plot::Figure dead;
    dead.title("saturated and dead units").xlabel("epoch").ylabel("fraction");
    bool any_units = false;
    const size_t layers = in.diagnostics.front().size();
    for (size_t l = 0; l < layers; ++l) {
      std::vector<double> x, g, u;
      for (size_t e = 0; e < in.diagnostics.size(); ++e) {
        const auto& d = in.diagnostics[e][l];
        x.push_back(static_cast<double>(e + 1));
        g.push_back(d.grad_norm.value_or(std::nan("")));
        u.push_back(d.dead ? *d.dead : d.saturated.value_or(std::nan("")));
      }
      const auto& first = in.diagnostics.front()[l];
      if (first.grad_norm) grads.line({first.layer, x, g});
      if (first.dead || first.saturated) {
        dead.line({first.layer + (first.dead ? " dead" : " saturated"), x, u});
        any_units = true;
      }
    }
    report.figure("gradient_norms", grads,
                  "L2 norm of each layer's gradients, last step of each epoch");
    if (any_units)
      report.figure(
          "units", dead,
          "fraction of dead ReLU units and of saturated sigmoid/tanh outputs (probe rows)");
  }
  report.section("Test set");
  if (classification && !in.scores.confusion.empty()) {
    std::vector<std::vector<double>> cells;
    for (const auto& row : in.scores.confusion) cells.emplace_back(row.begin(), row.end());
    plot::Figure heat(640, 560);
    heat.title("confusion matrix (rows: true class)").heatmap(cells, in.classes, in.classes, true);
    report.figure("confusion", heat, "test-set confusion matrix");
    plot::Figure bars;
    bars.title("per-class precision and recall")
        .bars(in.classes, {{"precision", in.scores.precision}, {"recall", in.scores.recall}});
    report.figure("per_class", bars, "per-class precision and recall on the test set");
    add_reliability(report, in.scores);
    if (in.classify && !in.point_x.empty()) {
      auto [xmin, xmax] = std::minmax_element(in.point_x.begin(), in.point_x.end());
      auto [ymin, ymax] = std::minmax_element(in.point_y.begin(), in.point_y.end());
      double x0 = *xmin, x1 = *xmax, y0 = *ymin, y1 = *ymax;
      double dx = std::max(1e-9, (x1 - x0) * 0.05), dy = std::max(1e-9, (y1 - y0) * 0.05);
      x0 -= dx, x1 += dx, y0 -= dy, y1 += dy;
      const int n = 60;
      auto xs = plot::cell_centres(x0, x1, n), ys = plot::cell_centres(y0, y1, n);
      std::vector<double> gx, gy;
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) gx.push_back(xs[j]), gy.push_back(ys[i]);
      auto cls = in.classify(gx, gy);
      std::vector<std::vector<int>> grid(n, std::vector<int>(n));
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) grid[i][j] = cls[static_cast<size_t>(i * n + j)];
      plot::Figure regions;
      regions.title("decision regions").xlabel(in.axis_names[0]).ylabel(in.axis_names[1]);
      regions.regions(grid, x0, x1, y0, y1)
          .scatter_classes(in.point_x, in.point_y, in.point_class, in.classes);
      report.figure("regions", regions,
                    "the model's class over the two features, test points on top");
    }
  } else if (!classification && !in.scores.actual.empty()) {
    const auto& t = in.scores.actual;
    const auto& p = in.scores.predicted;
    auto [lo, hi] = std::minmax_element(t.begin(), t.end());
    plot::Figure scatter;
    scatter.title("predicted vs true").xlabel("true").ylabel("predicted");
    scatter.scatter({"test rows", t, p}, 0);
    scatter.line({"y = x", {*lo, *hi}, {*lo, *hi}},
                 {.colour = 1, .dashed = true, .markers = false});
    report.figure("predicted_vs_true", scatter, "test-set predictions against the true values");
    plot::Figure res;
    res.title("residuals").xlabel("predicted").ylabel("true - predicted");
    res.scatter({"test rows", p, in.scores.residuals()}, 0);
    auto [plo, phi] = std::minmax_element(p.begin(), p.end());
    res.line({"0", {*plo, *phi}, {0.0, 0.0}}, {.colour = 1, .dashed = true, .markers = false});
    report.figure("residuals", res, "residual against prediction");
  }
  add_details(report, in);
  if (classification && !in.scores.confusion.empty()) {
    std::vector<std::vector<std::string>> rows;
    for (size_t c = 0; c < in.classes.size(); ++c)
      rows.push_back({in.classes[c], rounded(in.scores.precision[c]), rounded(in.scores.recall[c]),
                      rounded(in.scores.f1[c]), std::to_string(in.scores.support[c])});
    report.table({"class", "precision", "recall", "f1", "support"}, rows, "per-class scores");
  }
  report.write(dir);
}

}  // namespace plexus::train
