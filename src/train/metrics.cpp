// Metrics: read scores and targets row by row and count. The plain functions run one update of
// the matching accumulator, so both paths share one definition.
#include "plexus/train/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "base/check.hpp"
#include "train/probability_scores.hpp"

namespace plexus::metrics {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Scores viewed as [rows, columns]; one column means binary probabilities (or logits).
struct ScoreRows {
  const float* data;
  size_t rows, columns;
  size_t classes() const { return columns == 1 ? 2 : columns; }
};

ScoreRows score_rows(const Tensor& scores, const char* metric) {
  PLEXUS_CHECK(scores.defined() && (scores.rank() == 1 || scores.rank() == 2), metric,
               ": scores must be [B, C] or [B], got ",
               scores.defined() ? scores.shape().str() : "an undefined tensor");
  const auto rows = static_cast<size_t>(scores.shape(0));
  return {scores.data(), rows, scores.rank() == 2 ? static_cast<size_t>(scores.shape(1)) : 1};
}

size_t argmax_row(const float* row, size_t n) {
  return static_cast<size_t>(std::max_element(row, row + n) - row);
}

size_t predicted_class(const ScoreRows& s, size_t i, float threshold) {
  if (s.columns == 1) return s.data[i] > threshold ? 1 : 0;
  return argmax_row(s.data + i * s.columns, s.columns);
}

// Targets as class indices [B] / [B, 1], or one-hot / probability rows [B, C].
struct TargetRows {
  const float* data;
  size_t columns;
  size_t classes;
  const char* metric;

  size_t at(size_t i) const {
    if (columns > 1) return argmax_row(data + i * columns, columns);
    const float t = data[i];
    PLEXUS_CHECK(t >= 0 && t < static_cast<float>(classes) && t == std::floor(t), metric,
                 ": target ", i, " is ", t, ", not a class index in [0, ", classes, ")");
    return static_cast<size_t>(t);
  }
};

TargetRows target_rows(const Tensor& targets, const ScoreRows& s, const char* metric,
                       const Tensor& scores) {
  PLEXUS_CHECK(targets.defined() && targets.rank() >= 1 && targets.rank() <= 2 &&
                   static_cast<size_t>(targets.shape(0)) == s.rows,
               metric, ": targets ", targets.defined() ? targets.shape().str() : "(undefined)",
               " do not match scores ", scores.shape(), " (expected [", s.rows, "] or [", s.rows,
               ", ", s.columns, "])");
  const size_t columns = targets.rank() == 2 ? static_cast<size_t>(targets.shape(1)) : 1;
  PLEXUS_CHECK(columns == 1 || columns == s.columns, metric, ": targets ", targets.shape(),
               " do not match scores ", scores.shape());
  return {targets.data(), columns, s.classes(), metric};
}

// Regression values viewed as [rows, columns]; [B] and [B, 1] agree.
struct ValueRows {
  const float* pred;
  const float* target;
  size_t rows, columns;
};

ValueRows value_rows(const Tensor& pred, const Tensor& targets, const char* metric) {
  PLEXUS_CHECK(pred.defined() && targets.defined() && pred.rank() >= 1 && targets.rank() >= 1 &&
                   pred.shape(0) == targets.shape(0) && pred.numel() == targets.numel(),
               metric, ": pred ", pred.defined() ? pred.shape().str() : "(undefined)",
               " and targets ", targets.defined() ? targets.shape().str() : "(undefined)",
               " must hold the same values per row");
  const auto rows = static_cast<size_t>(pred.shape(0));
  return {pred.data(), targets.data(), rows, rows == 0 ? 0 : pred.numel() / rows};
}

double ratio(size_t numerator, size_t denominator) {
  return denominator == 0 ? 0.0 : static_cast<double>(numerator) / static_cast<double>(denominator);
}

}  // namespace

// ---- classification ---------------------------------------------------------------------------

Tensor predicted_classes(const Tensor& scores, float threshold) {
  const ScoreRows s = score_rows(scores, "predicted_classes");
  Tensor classes = Tensor::empty({static_cast<int64_t>(s.rows)});
  for (size_t i = 0; i < s.rows; ++i)
    classes.data()[i] = static_cast<float>(predicted_class(s, i, threshold));
  return classes;
}

void Accuracy::update(const Tensor& pred, const Tensor& targets) {
  const ScoreRows s = score_rows(pred, "accuracy");
  const TargetRows t = target_rows(targets, s, "accuracy", pred);
  for (size_t i = 0; i < s.rows; ++i) correct_ += predicted_class(s, i, threshold_) == t.at(i);
  total_ += s.rows;
}

double Accuracy::result() const { return total_ == 0 ? kNaN : ratio(correct_, total_); }

TopKAccuracy::TopKAccuracy(size_t k) : k_(k) {
  PLEXUS_CHECK(k >= 1, "top_k_accuracy: k must be at least 1");
}

void TopKAccuracy::update(const Tensor& pred, const Tensor& targets) {
  const ScoreRows s = score_rows(pred, "top_k_accuracy");
  PLEXUS_CHECK(s.columns >= 2, "top_k_accuracy: scores must be [B, C] with C >= 2, got ",
               pred.shape());
  const TargetRows t = target_rows(targets, s, "top_k_accuracy", pred);
  for (size_t i = 0; i < s.rows; ++i) {
    const float* row = s.data + i * s.columns;
    const float target_score = row[t.at(i)];
    const auto higher = static_cast<size_t>(
        std::count_if(row, row + s.columns, [&](float v) { return v > target_score; }));
    hits_ += higher < k_;
  }
  total_ += s.rows;
}

double TopKAccuracy::result() const { return total_ == 0 ? kNaN : ratio(hits_, total_); }

std::string ClassificationReport::name() const {
  switch (score_) {
    case Score::precision:
      return "precision";
    case Score::recall:
      return "recall";
    case Score::f1:
      return "f1";
  }
  return "f1";
}

void ClassificationReport::reset() {
  classes_ = 0;
  counts_.clear();
}

void ClassificationReport::update(const Tensor& pred, const Tensor& targets) {
  const ScoreRows s = score_rows(pred, name().c_str());
  const TargetRows t = target_rows(targets, s, name().c_str(), pred);
  if (classes_ == 0) {
    classes_ = s.classes();
    counts_.assign(classes_ * classes_, 0);
  }
  PLEXUS_CHECK(s.classes() == classes_, name(), ": scores ", pred.shape(), " have ", s.classes(),
               " classes, earlier batches had ", classes_);
  for (size_t i = 0; i < s.rows; ++i)
    ++counts_[t.at(i) * classes_ + predicted_class(s, i, threshold_)];
}

Tensor ClassificationReport::confusion_matrix() const {
  const auto c = static_cast<int64_t>(classes_);
  Tensor matrix = Tensor::empty({c, c});
  std::transform(counts_.begin(), counts_.end(), matrix.data(),
                 [](size_t n) { return static_cast<float>(n); });
  return matrix;
}

// Per class c: tp = counts(c, c), predicted = column sum, actual = row sum.
// precision = tp / predicted, recall = tp / actual, F1 = 2 tp / (predicted + actual).
double ClassificationReport::result() const {
  double total = 0;
  size_t present = 0;
  for (size_t c = 0; c < classes_; ++c) {
    size_t predicted = 0, actual = 0;
    for (size_t j = 0; j < classes_; ++j) {
      predicted += counts_[j * classes_ + c];
      actual += counts_[c * classes_ + j];
    }
    if (predicted == 0 && actual == 0) continue;  // scikit-learn averages over present labels
    const size_t tp = counts_[c * classes_ + c];
    ++present;
    switch (score_) {
      case Score::precision:
        total += ratio(tp, predicted);
        break;
      case Score::recall:
        total += ratio(tp, actual);
        break;
      case Score::f1:
        total += ratio(2 * tp, predicted + actual);
        break;
    }
  }
  return present == 0 ? kNaN : total / static_cast<double>(present);
}

double accuracy(const Tensor& scores, const Tensor& targets, float threshold) {
  Accuracy metric(threshold);
  metric.update(scores, targets);
  return metric.result();
}

double top_k_accuracy(const Tensor& scores, const Tensor& targets, size_t k) {
  TopKAccuracy metric(k);
  metric.update(scores, targets);
  return metric.result();
}

namespace {
ClassificationReport report(ClassificationReport::Score score, const Tensor& scores,
                            const Tensor& targets, float threshold) {
  ClassificationReport metric(score, threshold);
  metric.update(scores, targets);
  return metric;
}
}  // namespace

Tensor confusion_matrix(const Tensor& scores, const Tensor& targets, float threshold) {
  return report(ClassificationReport::Score::f1, scores, targets, threshold).confusion_matrix();
}
double precision(const Tensor& scores, const Tensor& targets, float threshold) {
  return report(ClassificationReport::Score::precision, scores, targets, threshold).result();
}
double recall(const Tensor& scores, const Tensor& targets, float threshold) {
  return report(ClassificationReport::Score::recall, scores, targets, threshold).result();
}
double f1(const Tensor& scores, const Tensor& targets, float threshold) {
  return report(ClassificationReport::Score::f1, scores, targets, threshold).result();
}

// ---- regression -------------------------------------------------------------------------------

void MeanError::update(const Tensor& pred, const Tensor& targets) {
  const ValueRows v = value_rows(pred, targets, kind_ == Kind::squared ? "mse" : "mae");
  const size_t n = v.rows * v.columns;
  for (size_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(v.pred[i]) - static_cast<double>(v.target[i]);
    sum_ += kind_ == Kind::squared ? d * d : std::abs(d);
  }
  count_ += n;
}

double MeanError::result() const { return count_ == 0 ? kNaN : sum_ / static_cast<double>(count_); }

void R2::reset() {
  rows_ = 0;
  mean_.clear();
  ss_tot_.clear();
  ss_res_.clear();
}

// Chan et al.: merging a batch of n_b rows with mean m_b and sum of squares S_b into n_a, m_a,
// S_a gives S = S_a + S_b + (m_b - m_a)^2 n_a n_b / (n_a + n_b), without cancellation.
void R2::update(const Tensor& pred, const Tensor& targets) {
  const ValueRows v = value_rows(pred, targets, "r2");
  if (v.rows == 0) return;
  if (rows_ == 0) {
    mean_.assign(v.columns, 0.0);
    ss_tot_.assign(v.columns, 0.0);
    ss_res_.assign(v.columns, 0.0);
  }
  PLEXUS_CHECK(v.columns == mean_.size(), "r2: targets ", targets.shape(), " have ", v.columns,
               " columns, earlier batches had ", mean_.size());
  const auto n_a = static_cast<double>(rows_);
  const auto n_b = static_cast<double>(v.rows);
  for (size_t c = 0; c < v.columns; ++c) {
    double batch_mean = 0;
    for (size_t i = 0; i < v.rows; ++i) batch_mean += v.target[i * v.columns + c];
    batch_mean /= n_b;
    double batch_ss = 0, residual = 0;
    for (size_t i = 0; i < v.rows; ++i) {
      const double t = v.target[i * v.columns + c];
      const double e = t - static_cast<double>(v.pred[i * v.columns + c]);
      batch_ss += (t - batch_mean) * (t - batch_mean);
      residual += e * e;
    }
    const double delta = batch_mean - mean_[c];
    ss_tot_[c] += batch_ss + delta * delta * n_a * n_b / (n_a + n_b);
    mean_[c] += delta * n_b / (n_a + n_b);
    ss_res_[c] += residual;
  }
  rows_ += v.rows;
}

double R2::result() const {
  if (rows_ == 0) return kNaN;
  double total = 0;
  for (size_t c = 0; c < mean_.size(); ++c) {
    if (ss_tot_[c] == 0) {
      total += ss_res_[c] == 0 ? 1.0 : 0.0;
    } else {
      total += 1.0 - ss_res_[c] / ss_tot_[c];
    }
  }
  return total / static_cast<double>(mean_.size());
}

double mse(const Tensor& pred, const Tensor& targets) {
  MeanError metric(MeanError::Kind::squared);
  metric.update(pred, targets);
  return metric.result();
}

double mae(const Tensor& pred, const Tensor& targets) {
  MeanError metric(MeanError::Kind::absolute);
  metric.update(pred, targets);
  return metric.result();
}

double r2(const Tensor& pred, const Tensor& targets) {
  R2 metric;
  metric.update(pred, targets);
  return metric.result();
}

// ---- every score at once ------------------------------------------------------------------------

namespace {

void classification_scores(const Tensor& outputs, const Tensor& targets,
                           const io::Calibration& calibration, Scores& out) {
  const ScoreRows s = score_rows(outputs, "evaluate");
  const TargetRows t = target_rows(targets, s, "evaluate", outputs);
  const size_t classes = s.classes();
  const Tensor probabilities = calibrated_probabilities(outputs, calibration.temperature);
  add_probability_scores(probabilities, targets, out);
  // A binary classifier's threshold decides on the probability of class 1 instead of the argmax.
  const bool thresholded = calibration.threshold && classes == 2;
  if (thresholded) out.threshold = calibration.threshold;
  const float* p1 = probabilities.data() + (s.columns == 1 ? 0 : 1);
  const size_t p1_stride = s.columns == 1 ? 1 : 2;
  out.confusion.assign(classes, std::vector<int64_t>(classes, 0));
  size_t correct = 0;
  for (size_t i = 0; i < s.rows; ++i) {
    const size_t truth = t.at(i);
    const size_t predicted = thresholded ? (p1[i * p1_stride] >= *calibration.threshold ? 1 : 0)
                                         : predicted_class(s, i, 0.0f);
    correct += truth == predicted;
    ++out.confusion[truth][predicted];
  }
  out.accuracy = ratio(correct, s.rows);
  // Per class c: precision = tp / predicted, recall = tp / actual, F1 their harmonic mean; the
  // macro F1 averages over the classes present in the targets or the predictions.
  double f1_sum = 0;
  size_t present = 0;
  for (size_t c = 0; c < classes; ++c) {
    int64_t actual = 0, predicted = 0;
    for (size_t j = 0; j < classes; ++j) {
      actual += out.confusion[c][j];
      predicted += out.confusion[j][c];
    }
    const auto tp = static_cast<size_t>(out.confusion[c][c]);
    const double p = ratio(tp, static_cast<size_t>(predicted));
    const double r = ratio(tp, static_cast<size_t>(actual));
    const double f = p + r > 0 ? 2 * p * r / (p + r) : 0.0;
    out.precision.push_back(p);
    out.recall.push_back(r);
    out.f1.push_back(f);
    out.support.push_back(actual);
    if (actual > 0 || predicted > 0) {
      f1_sum += f;
      ++present;
    }
  }
  out.macro_f1 = present > 0 ? f1_sum / static_cast<double>(present) : 0.0;
}

void regression_scores(const Tensor& outputs, const Tensor& targets, Scores& out) {
  const ValueRows v = value_rows(outputs, targets, "evaluate");
  if (v.rows == 0) return;
  out.mse = mse(outputs, targets);
  out.mae = mae(outputs, targets);
  out.r2 = r2(outputs, targets);
  out.predicted.assign(v.pred, v.pred + v.rows * v.columns);
  out.actual.assign(v.target, v.target + v.rows * v.columns);
}

}  // namespace

Scores evaluate(const Tensor& outputs, const Tensor& targets, data::Task task,
                const io::Calibration& calibration, const std::vector<double>& quantiles) {
  Scores scores;
  scores.task = task;
  if (task == data::Task::classification) {
    classification_scores(outputs, targets, calibration, scores);
  } else if (!quantiles.empty()) {
    add_quantile_scores(outputs, targets, quantiles, scores);
    regression_scores(middle_quantile(outputs, quantiles), targets, scores);
  } else {
    regression_scores(outputs, targets, scores);
    add_interval_scores(outputs, targets, calibration, scores);
  }
  return scores;
}

std::vector<double> Scores::residuals() const {
  std::vector<double> out(actual.size());
  for (size_t i = 0; i < actual.size(); ++i) out[i] = actual[i] - predicted[i];
  return out;
}

// ---- names ------------------------------------------------------------------------------------

std::unique_ptr<Metric> make_metric(std::string_view name) {
  using Score = ClassificationReport::Score;
  if (name == "accuracy" || name == "acc") return std::make_unique<Accuracy>();
  if (name == "precision") return std::make_unique<ClassificationReport>(Score::precision);
  if (name == "recall") return std::make_unique<ClassificationReport>(Score::recall);
  if (name == "f1") return std::make_unique<ClassificationReport>(Score::f1);
  if (name == "mse") return std::make_unique<MeanError>(MeanError::Kind::squared);
  if (name == "mae") return std::make_unique<MeanError>(MeanError::Kind::absolute);
  if (name == "r2") return std::make_unique<R2>();
  if (name.starts_with("top") && name.size() > 3 &&
      std::all_of(name.begin() + 3, name.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::make_unique<TopKAccuracy>(std::stoul(std::string(name.substr(3))));
  detail::throw_error(
      "unknown metric \"", name,
      "\"; known: accuracy, top<k> (e.g. top5), precision, recall, f1, mse, mae, r2");
}

bool higher_is_better(std::string_view name) {
  if (name.starts_with("val_")) name.remove_prefix(4);
  if (name == "loss") return false;
  return make_metric(name)->higher_is_better();
}

}  // namespace plexus::metrics
