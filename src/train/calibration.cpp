// Fitting a model's calibration on held-out rows: the temperature by golden-section search, the
// threshold by one pass over the rows sorted by probability, the conformal residuals by a sort.
#include "plexus/train/calibration.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <iomanip>
#include <numeric>
#include <sstream>
#include <vector>

#include "base/check.hpp"
#include "base/compat.hpp"
#include "plexus/ops/activation.hpp"
#include "plexus/ops/elementwise.hpp"
#include "plexus/train/settings.hpp"

namespace plexus::train {
namespace {

size_t columns_of(const Tensor& logits) {
  return logits.rank() == 2 ? static_cast<size_t>(logits.shape(1)) : 1;
}

size_t class_of(const Tensor& targets, size_t i, size_t classes) {
  const float t = targets.data()[i];
  PLEXUS_CHECK(t >= 0 && t < static_cast<float>(classes) && t == std::floor(t),
               "calibration: target ", i, " is ", t, ", not a class index in [0, ", classes, ")");
  return static_cast<size_t>(t);
}

double parse_number(std::string_view text, std::string_view what) {
  double value = 0;
  const auto [end, error] = compat::from_chars(text.data(), text.data() + text.size(), value);
  PLEXUS_CHECK(error == std::errc() && end == text.data() + text.size() && std::isfinite(value),
               what, ": \"", text, "\" is not a number");
  return value;
}

}  // namespace

// NLL(T) = mean over rows of logsumexp(z / T) - z_y / T; one column: softplus(-s z / T), s = +-1.
double temperature_nll(const Tensor& logits, const Tensor& targets, double temperature) {
  PLEXUS_CHECK(temperature > 0, "temperature_nll: the temperature must be > 0");
  const auto rows = static_cast<size_t>(logits.shape(0));
  PLEXUS_CHECK(static_cast<size_t>(targets.numel()) == rows, "temperature_nll: logits ",
               logits.shape(), " and targets ", targets.shape(), " differ in rows");
  const size_t columns = columns_of(logits);
  if (rows == 0) return 0;
  double sum = 0;
  for (size_t i = 0; i < rows; ++i) {
    const float* z = logits.data() + i * columns;
    if (columns == 1) {
      const double s = (class_of(targets, i, 2) == 1 ? -1.0 : 1.0) * z[0] / temperature;
      sum += s > 0 ? s + std::log1p(std::exp(-s)) : std::log1p(std::exp(s));
      continue;
    }
    const double top = *std::max_element(z, z + columns) / temperature;
    double total = 0;
    for (size_t c = 0; c < columns; ++c) total += std::exp(z[c] / temperature - top);
    sum += top + std::log(total) - z[class_of(targets, i, columns)] / temperature;
  }
  return sum / static_cast<double>(rows);
}

double fit_temperature(const Tensor& logits, const Tensor& targets) {
  const auto nll = [&](double log_t) { return temperature_nll(logits, targets, std::exp(log_t)); };
  const double golden = (std::sqrt(5.0) - 1) / 2;
  double low = std::log(kMinTemperature), high = std::log(kMaxTemperature);
  double a = high - golden * (high - low), b = low + golden * (high - low);
  double fa = nll(a), fb = nll(b);
  // 60 steps shrink the range by 0.618^60 ~ 3e-13: far below any temperature that matters.
  for (int step = 0; step < 60; ++step) {
    if (fa <= fb) {
      high = b, b = a, fb = fa;
      a = high - golden * (high - low), fa = nll(a);
    } else {
      low = a, a = b, fa = fb;
      b = low + golden * (high - low), fb = nll(b);
    }
  }
  return std::exp((low + high) / 2);
}

ThresholdRule threshold_rule(std::string_view text) {
  ThresholdRule rule;
  rule.text = std::string(text);
  if (text == "f1") return rule;
  if (text == "balanced_accuracy") {
    rule.kind = ThresholdRule::Kind::balanced_accuracy;
    return rule;
  }
  for (const auto& [prefix, kind] :
       {std::pair{std::string_view("precision@"), ThresholdRule::Kind::precision_at_recall},
        std::pair{std::string_view("recall@"), ThresholdRule::Kind::recall_at_precision}}) {
    if (!text.starts_with(prefix)) continue;
    rule.kind = kind;
    rule.level = parse_number(text.substr(prefix.size()), "--threshold-for");
    PLEXUS_CHECK(rule.level > 0 && rule.level <= 1, "--threshold-for ", text, ": the level ",
                 rule.level, " must be in (0, 1]");
    return rule;
  }
  plexus::detail::throw_error(
      "--threshold-for: unknown rule \"", text,
      "\"; known: f1, balanced_accuracy, precision@R (the best precision with "
      "recall >= R), recall@P (the best recall with precision >= P)");
}

ThresholdRule cost_rule(std::string_view text) {
  ThresholdRule rule{.kind = ThresholdRule::Kind::cost, .text = "cost " + std::string(text)};
  for (const std::string& item : split_list(std::string(text))) {
    const size_t equals = item.find('=');
    const std::string name = item.substr(0, equals);
    double* cost = name == "fp"   ? &rule.cost_fp
                   : name == "fn" ? &rule.cost_fn
                   : name == "tp" ? &rule.cost_tp
                   : name == "tn" ? &rule.cost_tn
                                  : nullptr;
    PLEXUS_CHECK(cost && equals != std::string::npos, "--cost-matrix: \"", item,
                 "\" is not name=cost with a name of fp, fn, tp, tn (e.g. fp=1,fn=5)");
    *cost = parse_number(std::string_view(item).substr(equals + 1), "--cost-matrix");
  }
  return rule;
}

// With the rows sorted by P(class 1) descending, cutting after row k predicts the first k + 1
// positive: tp and fp count up as k grows, so every cut is scored in one pass.
ThresholdChoice choose_threshold(const Tensor& positive, const Tensor& targets,
                                 const ThresholdRule& rule) {
  const auto rows = static_cast<size_t>(positive.numel());
  PLEXUS_CHECK(static_cast<size_t>(targets.numel()) == rows, "choose_threshold: ", rows,
               " probabilities but ", targets.numel(), " targets");
  std::vector<size_t> order(rows);
  std::iota(order.begin(), order.end(), size_t{0});
  const float* p = positive.data();
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return p[a] > p[b]; });
  double positives = 0;
  for (size_t i = 0; i < rows; ++i) positives += static_cast<double>(class_of(targets, i, 2));
  const double negatives = static_cast<double>(rows) - positives;
  PLEXUS_CHECK(positives > 0 && negatives > 0, "choose_threshold: the held-out rows hold one ",
               "class only; a threshold needs both (more validation rows: --validation-split)");
  ThresholdChoice best{.threshold = 0.5, .value = -INFINITY, .reached = false};
  double best_fallback = -INFINITY;  // the closest to the level, for a rule no cut reaches
  double tp = 0, fp = 0;
  for (size_t k = 0; k < rows; ++k) {
    (class_of(targets, order[k], 2) == 1 ? tp : fp) += 1;
    if (k + 1 < rows && p[order[k + 1]] == p[order[k]]) continue;  // ties fall on one side
    const double fn = positives - tp, tn = negatives - fp;
    const double precision = tp / (tp + fp), recall = tp / positives;
    double value = 0, closeness = 0;
    bool meets = true;
    switch (rule.kind) {
      case ThresholdRule::Kind::f1:
        value = 2 * tp / (2 * tp + fp + fn);
        break;
      case ThresholdRule::Kind::balanced_accuracy:
        value = (recall + tn / negatives) / 2;
        break;
      case ThresholdRule::Kind::precision_at_recall:
        value = precision, meets = recall >= rule.level, closeness = recall;
        break;
      case ThresholdRule::Kind::recall_at_precision:
        value = recall, meets = precision >= rule.level, closeness = precision;
        break;
      case ThresholdRule::Kind::cost:
        value = -(fp * rule.cost_fp + fn * rule.cost_fn + tp * rule.cost_tp + tn * rule.cost_tn) /
                static_cast<double>(rows);
        break;
    }
    // Halfway to the next lower probability, so that the rows on either side stay there.
    const double cut =
        k + 1 < rows ? (static_cast<double>(p[order[k]]) + p[order[k + 1]]) / 2 : p[order[k]];
    if (meets && (!best.reached || value > best.value)) {
      best = {.threshold = cut, .value = value, .reached = true};
    } else if (!meets && !best.reached && closeness > best_fallback) {
      best_fallback = closeness;
      best = {.threshold = cut, .value = value, .reached = false};
    }
  }
  if (rule.kind == ThresholdRule::Kind::cost) best.value = -best.value;
  return best;
}

CalibrationResult calibrate(const Tensor& outputs, const Tensor& targets, data::Task task,
                            const CalibrationOptions& options) {
  CalibrationResult out;
  out.rows = static_cast<size_t>(outputs.shape(0));
  if (out.rows == 0) return out;
  if (task == data::Task::regression) {
    const size_t stride = static_cast<size_t>(outputs.numel()) / out.rows;
    std::vector<double>& residuals = out.calibration.residuals;
    for (size_t i = 0; i < out.rows; ++i)
      residuals.push_back(std::abs(static_cast<double>(targets.data()[i]) -
                                   static_cast<double>(outputs.data()[i * stride])));
    std::sort(residuals.begin(), residuals.end());
    return out;
  }
  if (options.temperature) {
    out.fitted_temperature = fit_temperature(outputs, targets);
    out.nll_before = temperature_nll(outputs, targets, 1.0);
    out.nll_after = temperature_nll(outputs, targets, out.fitted_temperature);
    // Within 1% of the edge: the search converges to within 1e-12 of it when it is there.
    out.temperature_at_edge = out.fitted_temperature < kMinTemperature * 1.01 ||
                              out.fitted_temperature > kMaxTemperature / 1.01;
    out.temperature_kept = out.nll_after < out.nll_before && !out.temperature_at_edge;
    if (out.temperature_kept) out.calibration.temperature = out.fitted_temperature;
  }
  if (options.threshold) {
    PLEXUS_CHECK(columns_of(outputs) == 2, "calibrate: a threshold needs a binary classifier, ",
                 "the outputs ", outputs.shape(), " have ", columns_of(outputs), " classes");
    NoGradGuard no_grad;
    const Tensor p = softmax(div(outputs, static_cast<float>(out.calibration.temperature)), 1);
    Tensor positive = Tensor::empty({outputs.shape(0)});
    for (size_t i = 0; i < out.rows; ++i) positive.data()[i] = p.data()[2 * i + 1];
    out.threshold = choose_threshold(positive, targets, *options.threshold);
    out.calibration.threshold = out.threshold->threshold;
    out.calibration.threshold_rule = options.threshold->text;
  }
  return out;
}

std::string CalibrationResult::text() const {
  std::ostringstream out;
  out << std::fixed << std::setprecision(4);
  if (!calibration.residuals.empty())
    out << "intervals: " << rows
        << " held-out residuals stored for split-conformal intervals (predict --interval 0.9)\n";
  if (fitted_temperature != 1 || nll_before != 0)
    out << "calibration: temperature " << std::setprecision(3) << fitted_temperature
        << " fitted on " << rows << " held-out rows, " << (temperature_kept ? "kept" : "not kept")
        << ": their log-loss " << std::setprecision(4) << nll_before << " at T = 1, " << nll_after
        << " at T "
        << (temperature_at_edge
                ? "(at the edge of the range searched: their log-loss has no minimum inside it, "
                  "as when every row is classified right)\n"
                : "(kept only when it is lower; --calibration none turns it off)\n");
  if (threshold)
    out << "threshold: P(class 1) >= " << threshold->threshold << " chosen on " << rows
        << " held-out rows for " << calibration.threshold_rule << " ("
        << (threshold->reached ? "" : "level not reached; the closest, ")
        << (calibration.threshold_rule.starts_with("cost") ? "mean cost " : "value ")
        << threshold->value << ")\n";
  return out.str();
}

}  // namespace plexus::train
