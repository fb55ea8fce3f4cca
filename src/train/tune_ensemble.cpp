// The scores of out-of-fold outputs and the greedy ensemble selection of plexus tune.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "base/check.hpp"
#include "plexus/io/model_file.hpp"
#include "plexus/nn/ensemble.hpp"
#include "plexus/nn/linear.hpp"
#include "plexus/train/tune.hpp"
#include "train/tune_detail.hpp"

namespace plexus::train {
namespace {

/// The score of (sum + extra) / count (the members' mean) on `rows`, in double; `extra` (the
/// candidate being tried, or none) is added row by row, so no sum is copied per candidate.
double score_of_sum(const std::vector<double>& sum, const float* extra, double count, int64_t width,
                    const Tensor& targets, const std::vector<int64_t>& rows, data::Task task) {
  double total = 0;
  const float* y = targets.data();
  std::vector<double> mean(static_cast<size_t>(width));
  for (int64_t r : rows) {
    for (int64_t c = 0; c < width; ++c) {
      const int64_t i = r * width + c;
      mean[static_cast<size_t>(c)] =
          (sum[static_cast<size_t>(i)] + (extra ? extra[i] : 0.0)) / count;
    }
    if (task == data::Task::classification) {
      const double top = *std::max_element(mean.begin(), mean.end());
      double exp_sum = 0;
      for (double m : mean) exp_sum += std::exp(m - top);
      total += top + std::log(exp_sum) - mean[static_cast<size_t>(y[r])];
    } else {
      const double error = mean[0] - y[r];
      total += error * error;
    }
  }
  const double mean_loss = total / static_cast<double>(rows.size());
  return task == data::Task::classification ? mean_loss : std::sqrt(mean_loss);
}

std::vector<double> as_doubles(const Tensor& t) { return {t.data(), t.data() + t.numel()}; }

}  // namespace

double out_of_fold_score(const Tensor& outputs, const Tensor& targets,
                         const std::vector<int64_t>& rows, data::Task task) {
  PLEXUS_CHECK(!rows.empty(), "out_of_fold_score: no rows");
  return score_of_sum(as_doubles(outputs), nullptr, 1.0, outputs.shape(1), targets, rows, task);
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
      const double score = score_of_sum(sum, outputs[i].data(), static_cast<double>(round + 1),
                                        width, targets, rows, task);
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

bool ends_in_linear(const nn::Sequential& model) {
  return model.size() > 0 && dynamic_cast<const nn::Linear*>(&model[model.size() - 1]);
}

nn::Sequential weighted_ensemble(const std::vector<std::vector<nn::Sequential>>& models,
                                 const std::vector<EnsembleMember>& members,
                                 const std::vector<double>& temperatures) {
  PLEXUS_CHECK(!members.empty(), "weighted_ensemble: no members");
  size_t total = 0;
  for (const auto& member : members) total += member.weight;
  std::vector<nn::Sequential> networks;
  for (const auto& member : members) {
    PLEXUS_CHECK(member.trial < models.size() && !models[member.trial].empty(),
                 "weighted_ensemble: no models for member ", member.trial);
    // A network ending in a Linear layer is linear in that layer's weights: counted w times, it
    // is one copy with that layer scaled by w * members / total, so the ensemble stays as small
    // as the trials chosen (greedy picks 8 + 1 + 1: three trials' models, not ten). One ending
    // otherwise (log_softmax for the nll loss) is repeated w times.
    const double temperature = temperatures.empty() ? 1.0 : temperatures.at(member.trial);
    const double scale = static_cast<double>(member.weight * members.size()) /
                         static_cast<double>(total) / temperature;
    for (const auto& model : models[member.trial]) {
      if (!ends_in_linear(model)) {
        PLEXUS_CHECK(temperature == 1.0, "weighted_ensemble: member ", member.trial,
                     " has temperature ", temperature, " but does not end in a Linear layer");
        for (size_t w = 0; w < member.weight; ++w) networks.push_back(model);
        continue;
      }
      nn::Sequential copy = io::architecture_from_json(io::architecture_json(model), "member");
      copy.load_state_dict(model.state_dict());
      if (scale != 1.0) fold_target_scaling(copy, 0.0, scale);
      networks.push_back(std::move(copy));
    }
  }
  nn::Sequential out;
  out.push_back(nn::Ensemble(std::move(networks)));
  out.eval();
  return out;
}

}  // namespace plexus::train
