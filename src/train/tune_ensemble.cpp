// The scores of out-of-fold outputs and the greedy ensemble selection of plexus tune.
#include <cmath>
#include <limits>
#include <numeric>

#include "base/check.hpp"
#include "plexus/train/tune.hpp"

namespace plexus::train {
namespace {

/// The score of sum / count (the members' mean) on `rows`, in double.
double score_of_sum(const std::vector<double>& sum, double count, int64_t width,
                    const Tensor& targets, const std::vector<int64_t>& rows, data::Task task) {
  double total = 0;
  const float* y = targets.data();
  for (int64_t r : rows) {
    const double* out = sum.data() + r * width;
    if (task == data::Task::classification) {
      double top = -std::numeric_limits<double>::infinity();
      for (int64_t c = 0; c < width; ++c) top = std::max(top, out[c] / count);
      double exp_sum = 0;
      for (int64_t c = 0; c < width; ++c) exp_sum += std::exp(out[c] / count - top);
      total += top + std::log(exp_sum) - out[static_cast<int64_t>(y[r])] / count;
    } else {
      const double error = out[0] / count - y[r];
      total += error * error;
    }
  }
  const double mean = total / static_cast<double>(rows.size());
  return task == data::Task::classification ? mean : std::sqrt(mean);
}

std::vector<double> as_doubles(const Tensor& t) { return {t.data(), t.data() + t.numel()}; }

}  // namespace

double out_of_fold_score(const Tensor& outputs, const Tensor& targets,
                         const std::vector<int64_t>& rows, data::Task task) {
  PLEXUS_CHECK(!rows.empty(), "out_of_fold_score: no rows");
  return score_of_sum(as_doubles(outputs), 1.0, outputs.shape(1), targets, rows, task);
}

std::vector<EnsembleMember> select_greedy(const std::vector<Tensor>& outputs, const Tensor& targets,
                                          const std::vector<int64_t>& rows, data::Task task,
                                          size_t rounds) {
  PLEXUS_CHECK(!outputs.empty() && rounds >= 1, "select_greedy: no candidates or no rounds");
  const int64_t width = outputs.front().shape(1);
  std::vector<double> sum(outputs.front().numel(), 0.0);
  std::vector<size_t> weight(outputs.size(), 0);
  for (size_t round = 0; round < rounds; ++round) {
    size_t best = 0;
    double best_score = std::numeric_limits<double>::infinity();
    for (size_t i = 0; i < outputs.size(); ++i) {
      std::vector<double> trial = sum;
      const float* out = outputs[i].data();
      for (size_t j = 0; j < trial.size(); ++j) trial[j] += out[j];
      const double score =
          score_of_sum(trial, static_cast<double>(round + 1), width, targets, rows, task);
      if (score < best_score) {
        best_score = score;
        best = i;
      }
    }
    const float* out = outputs[best].data();
    for (size_t j = 0; j < sum.size(); ++j) sum[j] += out[j];
    ++weight[best];
  }
  // The same mixture with the fewest members: weights 4, 2, 2 are 2, 1, 1.
  size_t divisor = 0;
  for (size_t w : weight) divisor = std::gcd(divisor, w);
  std::vector<EnsembleMember> members;
  for (size_t i = 0; i < weight.size(); ++i)
    if (weight[i] > 0) members.push_back({.trial = i, .weight = weight[i] / divisor});
  return members;
}

}  // namespace plexus::train
