// Scores of probabilities (log-loss, Brier, expected calibration error) and of conformal
// intervals. Probabilities are read as [B, C] rows or one column of P(class 1), as metrics.hpp
// says; sums run in double.
#include "train/probability_scores.hpp"

#include <algorithm>
#include <cmath>

#include "base/check.hpp"
#include "plexus/ops/activation.hpp"
#include "plexus/ops/elementwise.hpp"

namespace plexus::metrics {
namespace {

// Probabilities as rows of `classes` values, with the true class of each row.
struct Probabilities {
  std::vector<double> p;  // rows x classes
  std::vector<size_t> truth;
  size_t rows = 0, classes = 0;
  const double* row(size_t i) const { return p.data() + i * classes; }
};

Probabilities read_probabilities(const Tensor& probabilities, const Tensor& targets,
                                 const char* metric) {
  PLEXUS_CHECK(probabilities.defined() && (probabilities.rank() == 1 || probabilities.rank() == 2),
               metric, ": probabilities must be [B, C] or [B], got ",
               probabilities.defined() ? probabilities.shape().str() : "an undefined tensor");
  Probabilities out;
  out.rows = static_cast<size_t>(probabilities.shape(0));
  const size_t columns =
      probabilities.rank() == 2 ? static_cast<size_t>(probabilities.shape(1)) : 1;
  out.classes = columns == 1 ? 2 : columns;
  PLEXUS_CHECK(targets.defined() && targets.rank() >= 1 && targets.rank() <= 2 &&
                   static_cast<size_t>(targets.shape(0)) == out.rows,
               metric, ": targets ", targets.defined() ? targets.shape().str() : "(undefined)",
               " do not match probabilities ", probabilities.shape());
  const size_t target_columns = targets.rank() == 2 ? static_cast<size_t>(targets.shape(1)) : 1;
  PLEXUS_CHECK(target_columns == 1 || target_columns == columns, metric, ": targets ",
               targets.shape(), " do not match probabilities ", probabilities.shape());
  const float* p = probabilities.data();
  const float* t = targets.data();
  for (size_t i = 0; i < out.rows; ++i) {
    if (columns == 1) {
      out.p.push_back(1.0 - p[i]);
      out.p.push_back(p[i]);
    } else {
      out.p.insert(out.p.end(), p + i * columns, p + (i + 1) * columns);
    }
    if (target_columns > 1) {
      const float* row = t + i * target_columns;
      out.truth.push_back(static_cast<size_t>(std::max_element(row, row + target_columns) - row));
      continue;
    }
    PLEXUS_CHECK(t[i] >= 0 && t[i] < static_cast<float>(out.classes) && t[i] == std::floor(t[i]),
                 metric, ": target ", i, " is ", t[i], ", not a class index in [0, ", out.classes,
                 ")");
    out.truth.push_back(static_cast<size_t>(t[i]));
  }
  return out;
}

double log_loss_of(const Probabilities& p) {
  if (p.rows == 0) return 0;
  double sum = 0;
  for (size_t i = 0; i < p.rows; ++i) sum -= std::log(std::max(p.row(i)[p.truth[i]], 1e-15));
  return sum / static_cast<double>(p.rows);
}

double brier_of(const Probabilities& p) {
  if (p.rows == 0) return 0;
  double sum = 0;
  for (size_t i = 0; i < p.rows; ++i)
    for (size_t c = 0; c < p.classes; ++c) {
      const double d = p.row(i)[c] - (c == p.truth[i] ? 1.0 : 0.0);
      sum += d * d;
    }
  return sum / static_cast<double>(p.rows);
}

// The rows binned by confidence: bin b holds confidences in (b / bins, (b + 1) / bins].
std::vector<ReliabilityBin> reliability_of(const Probabilities& p, size_t bins) {
  PLEXUS_CHECK(bins >= 1, "expected_calibration_error: needs at least one bin");
  std::vector<ReliabilityBin> out(bins);
  for (size_t i = 0; i < p.rows; ++i) {
    const double* row = p.row(i);
    const auto best = static_cast<size_t>(std::max_element(row, row + p.classes) - row);
    const double scaled = std::ceil(row[best] * static_cast<double>(bins)) - 1;
    ReliabilityBin& bin =
        out[static_cast<size_t>(std::clamp(scaled, 0.0, static_cast<double>(bins - 1)))];
    bin.confidence += row[best];  // sums here, means below
    bin.accuracy += best == p.truth[i] ? 1.0 : 0.0;
    ++bin.rows;
  }
  for (ReliabilityBin& bin : out)
    if (bin.rows > 0) {
      bin.confidence /= static_cast<double>(bin.rows);
      bin.accuracy /= static_cast<double>(bin.rows);
    }
  return out;
}

double ece_of(const std::vector<ReliabilityBin>& bins, size_t rows) {
  double ece = 0;
  for (const ReliabilityBin& bin : bins)
    ece += static_cast<double>(bin.rows) * std::abs(bin.accuracy - bin.confidence);
  return rows == 0 ? 0 : ece / static_cast<double>(rows);
}

}  // namespace

double log_loss(const Tensor& probabilities, const Tensor& targets) {
  return log_loss_of(read_probabilities(probabilities, targets, "log_loss"));
}

double brier_score(const Tensor& probabilities, const Tensor& targets) {
  return brier_of(read_probabilities(probabilities, targets, "brier_score"));
}

double expected_calibration_error(const Tensor& probabilities, const Tensor& targets, size_t bins) {
  const Probabilities p = read_probabilities(probabilities, targets, "expected_calibration_error");
  return ece_of(reliability_of(p, bins), p.rows);
}

Tensor calibrated_probabilities(const Tensor& outputs, double temperature) {
  NoGradGuard no_grad;
  const Tensor scaled =
      temperature == 1.0 ? outputs : div(outputs, static_cast<float>(temperature));
  if (outputs.rank() == 2 && outputs.shape(1) > 1) return softmax(scaled, 1);
  return sigmoid(scaled.reshape({outputs.shape(0)}));
}

void add_probability_scores(const Tensor& probabilities, const Tensor& targets, Scores& scores) {
  const Probabilities p = read_probabilities(probabilities, targets, "evaluate");
  scores.log_loss = log_loss_of(p);
  scores.brier = brier_of(p);
  scores.reliability = reliability_of(p, scores.ece_bins);
  scores.ece = ece_of(scores.reliability, p.rows);
}

void add_interval_scores(const Tensor& outputs, const Tensor& targets,
                         const io::Calibration& calibration, Scores& scores) {
  const int64_t n = outputs.shape(0);
  if (calibration.residuals.empty() || n == 0) return;
  const double half = io::conformal_quantile(calibration.residuals, kIntervalLevel);
  const int64_t stride = outputs.numel() / n, target_stride = targets.numel() / n;
  size_t inside = 0;
  for (int64_t i = 0; i < n; ++i)
    inside += std::abs(static_cast<double>(targets.data()[i * target_stride]) -
                       static_cast<double>(outputs.data()[i * stride])) <= half;
  scores.interval_level = kIntervalLevel;
  scores.interval_coverage = static_cast<double>(inside) / static_cast<double>(n);
  scores.interval_width = 2 * half;
}

void add_quantile_scores(const Tensor& outputs, const Tensor& targets,
                         const std::vector<double>& quantiles, Scores& scores) {
  const int64_t n = outputs.shape(0);
  const auto q = static_cast<int64_t>(quantiles.size());
  PLEXUS_CHECK(outputs.rank() == 2 && outputs.shape(1) == q, "evaluate: outputs ", outputs.shape(),
               " must be [N, ", q, "], one column per quantile level");
  PLEXUS_CHECK(targets.numel() == static_cast<size_t>(n), "evaluate: targets ", targets.shape(),
               " must hold one value per row of outputs ", outputs.shape());
  scores.quantiles = quantiles;
  if (n == 0) return;
  double loss = 0, width = 0;
  size_t inside = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double y = targets.data()[i];
    const float* row = outputs.data() + i * q;
    for (int64_t k = 0; k < q; ++k) {
      const double u = y - row[k], tau = quantiles[static_cast<size_t>(k)];
      loss += std::max(tau * u, (tau - 1) * u);
    }
    inside += row[0] <= y && y <= row[q - 1];
    width += static_cast<double>(row[q - 1]) - row[0];
  }
  scores.pinball = loss / static_cast<double>(n * q);
  scores.quantile_coverage = static_cast<double>(inside) / static_cast<double>(n);
  scores.quantile_width = width / static_cast<double>(n);
}

Tensor middle_quantile(const Tensor& outputs, const std::vector<double>& quantiles) {
  size_t middle = 0;
  for (size_t k = 1; k < quantiles.size(); ++k)
    if (std::abs(quantiles[k] - 0.5) < std::abs(quantiles[middle] - 0.5)) middle = k;
  const int64_t n = outputs.shape(0), q = outputs.shape(1);
  Tensor out = Tensor::empty({n, 1});
  for (int64_t i = 0; i < n; ++i)
    out.data()[i] = outputs.data()[i * q + static_cast<int64_t>(middle)];
  return out;
}

}  // namespace plexus::metrics
