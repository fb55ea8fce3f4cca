// The loss table: each entry's name, description, target kind and function in one place. Every
// function takes row weights and class weights, so the plain and the weighted lookups share it.
#include "plexus/loss/registry.hpp"

#include "base/check.hpp"
#include "plexus/base/text.hpp"
#include "plexus/loss/loss.hpp"

namespace plexus::loss {

namespace {

// Element-wise losses need equal shapes; a target [B] meets a prediction [B, 1] here.
Tensor shaped_like(const Tensor& target, const Tensor& pred) {
  if (target.shape() == pred.shape() || target.numel() != pred.numel()) return target;
  return target.reshape(pred.shape());
}

/// (pred, target, sample_weight or empty, class_weight or empty) -> scalar
using Function = Tensor (*)(const Tensor&, const Tensor&, const Tensor&, const Tensor&);

// The mean of F, or with row weights the weighted mean of its per-element losses by row.
template <Tensor (*F)(const Tensor&, const Tensor&, Reduction)>
Tensor elementwise(const Tensor& p, const Tensor& t, const Tensor& s, const Tensor&) {
  const Tensor target = shaped_like(t, p);
  if (!s.defined()) return F(p, target, Reduction::mean);
  const Tensor losses = F(p, target, Reduction::none);
  return weighted_mean(losses.rank() > 2 ? losses.reshape({losses.shape(0), -1}) : losses, s);
}

// huber and smooth_l1 with their default delta and beta of 1.
template <Tensor (*F)(const Tensor&, const Tensor&, float, Reduction)>
Tensor with_unit_parameter(const Tensor& p, const Tensor& t, const Tensor& s, const Tensor&) {
  const Tensor target = shaped_like(t, p);
  if (!s.defined()) return F(p, target, 1.0f, Reduction::mean);
  const Tensor losses = F(p, target, 1.0f, Reduction::none);
  return weighted_mean(losses.rank() > 2 ? losses.reshape({losses.shape(0), -1}) : losses, s);
}

// Q evenly spaced levels k / (Q + 1), k = 1..Q: the median for one output. The command chooses
// its own levels (--quantiles) through weighted_pinball.
Tensor evenly_spaced_levels(const Tensor& pred) {
  const int64_t count = pred.rank() == 2 ? pred.shape(1) : 1;
  Tensor levels = Tensor::empty({count});
  for (int64_t k = 0; k < count; ++k)
    levels.data()[k] = static_cast<float>(k + 1) / static_cast<float>(count + 1);
  return levels;
}

struct Entry {
  LossInfo info;
  Function function;
  bool class_weights = false;  ///< takes class weights (the mean divides by the picked weights)
};

const std::vector<Entry>& table() {
  using enum TargetKind;
  static const std::vector<Entry> entries = {
      {{"mse", "mean squared error (pred - target)^2", values},
       [](const Tensor& p, const Tensor& t, const Tensor& s, const Tensor&) {
         return s.defined() ? mse(p, shaped_like(t, p), s) : mse(p, shaped_like(t, p));
       }},
      {{"mae", "mean absolute error |pred - target|", values}, elementwise<mae>},
      {{"huber", "squared below |error| 1, absolute above (delta 1)", values},
       with_unit_parameter<huber>},
      {{"smooth_l1", "Huber divided by beta (1): L1 with a smooth minimum", values},
       with_unit_parameter<smooth_l1>},
      {{"log_cosh", "log(cosh(pred - target)), a smooth absolute error", values},
       elementwise<log_cosh>},
      {{"hinge", "max(0, 1 - target pred) for targets -1 or +1", values}, elementwise<hinge>},
      {{"pinball", "quantile loss of pred [B, Q] at levels k / (Q + 1) (--quantiles: chosen)",
        values},
       [](const Tensor& p, const Tensor& t, const Tensor& s, const Tensor&) {
         return pinball(p, t, evenly_spaced_levels(p), s);
       }},
      {{"binary_cross_entropy", "binary cross-entropy of probabilities (after a sigmoid)",
        probabilities},
       elementwise<binary_cross_entropy>},
      {{"binary_cross_entropy_with_logits", "binary cross-entropy of logits (sigmoid included)",
        probabilities},
       elementwise<binary_cross_entropy_with_logits>},
      {{"cross_entropy", "softmax cross-entropy of logits [B, C] (log_softmax included)",
        class_indices},
       [](const Tensor& p, const Tensor& t, const Tensor& s, const Tensor& c) {
         return cross_entropy(p, t, CrossEntropyOptions{.weight = c, .sample_weight = s});
       },
       true},
      {{"nll", "negative log-likelihood of log-probabilities [B, C] (after log_softmax)",
        class_indices},
       [](const Tensor& p, const Tensor& t, const Tensor& s, const Tensor& c) {
         return nll(p, t, NllOptions{.weight = c, .sample_weight = s});
       },
       true},
      {{"multi_margin", "multi-class hinge of logits [B, C] (margin 1)", class_indices},
       [](const Tensor& p, const Tensor& t, const Tensor& s, const Tensor&) {
         return s.defined() ? weighted_mean(multi_margin(p, t, Reduction::none), s)
                            : multi_margin(p, t);
       }},
  };
  return entries;
}

const Entry& entry_of(std::string_view name) {
  for (const Entry& entry : table())
    if (entry.info.name == name) return entry;
  detail::throw_error(unknown_name_message("loss", name, names()));
}

}  // namespace

std::vector<LossInfo> registry() {
  std::vector<LossInfo> out;
  for (const Entry& entry : table()) out.push_back(entry.info);
  return out;
}

std::vector<std::string> names() {
  std::vector<std::string> out;
  for (const Entry& entry : table()) out.push_back(entry.info.name);
  return out;
}

LossFunction by_name(std::string_view name) {
  const Function function = entry_of(name).function;
  return [function](const Tensor& p, const Tensor& t) { return function(p, t, {}, {}); };
}

bool takes_class_weights(std::string_view name) { return entry_of(name).class_weights; }

WeightedLossFunction weighted_by_name(std::string_view name, const Tensor& class_weight) {
  const Entry& entry = entry_of(name);
  PLEXUS_CHECK(!class_weight.defined() || entry.class_weights, "loss ", name,
               " takes no class weights; cross_entropy and nll do");
  const Function function = entry.function;
  return [function, class_weight](const Tensor& p, const Tensor& t, const Tensor& s) {
    return function(p, t, s, class_weight);
  };
}

WeightedLossFunction weighted_pinball(const std::vector<float>& levels) {
  const Tensor tau = Tensor::from(levels, {static_cast<int64_t>(levels.size())});
  return [tau](const Tensor& p, const Tensor& t, const Tensor& s) { return pinball(p, t, tau, s); };
}

}  // namespace plexus::loss
