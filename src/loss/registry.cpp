// The loss table: each entry's name, description, target kind and function in one place.
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

template <Tensor (*F)(const Tensor&, const Tensor&, Reduction)>
LossFunction elementwise() {
  return [](const Tensor& p, const Tensor& t) { return F(p, shaped_like(t, p), Reduction::mean); };
}

struct Entry {
  LossInfo info;
  LossFunction function;
};

const std::vector<Entry>& table() {
  using enum TargetKind;
  static const std::vector<Entry> entries = {
      {{"mse", "mean squared error (pred - target)^2", values}, elementwise<mse>()},
      {{"mae", "mean absolute error |pred - target|", values}, elementwise<mae>()},
      {{"huber", "squared below |error| 1, absolute above (delta 1)", values},
       [](const Tensor& p, const Tensor& t) { return huber(p, shaped_like(t, p)); }},
      {{"smooth_l1", "Huber divided by beta (1): L1 with a smooth minimum", values},
       [](const Tensor& p, const Tensor& t) { return smooth_l1(p, shaped_like(t, p)); }},
      {{"log_cosh", "log(cosh(pred - target)), a smooth absolute error", values},
       elementwise<log_cosh>()},
      {{"hinge", "max(0, 1 - target pred) for targets -1 or +1", values}, elementwise<hinge>()},
      {{"binary_cross_entropy", "binary cross-entropy of probabilities (after a sigmoid)",
        probabilities},
       elementwise<binary_cross_entropy>()},
      {{"binary_cross_entropy_with_logits", "binary cross-entropy of logits (sigmoid included)",
        probabilities},
       elementwise<binary_cross_entropy_with_logits>()},
      {{"cross_entropy", "softmax cross-entropy of logits [B, C] (log_softmax included)",
        class_indices},
       [](const Tensor& p, const Tensor& t) { return cross_entropy(p, t); }},
      {{"nll", "negative log-likelihood of log-probabilities [B, C] (after log_softmax)",
        class_indices},
       [](const Tensor& p, const Tensor& t) { return nll(p, t); }},
      {{"multi_margin", "multi-class hinge of logits [B, C] (margin 1)", class_indices},
       [](const Tensor& p, const Tensor& t) { return multi_margin(p, t); }},
  };
  return entries;
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
  for (const Entry& entry : table())
    if (entry.info.name == name) return entry.function;
  detail::throw_error(unknown_name_message("loss", name, names()));
}

}  // namespace plexus::loss
