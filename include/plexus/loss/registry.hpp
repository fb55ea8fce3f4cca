// Losses by name, for fit("cross_entropy"), command lines and model files. One table feeds the
// lookup, the help text (registry()) and the error for an unknown name, which lists every name.
// Each loss runs with px::loss's default options and the mean reduction.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/tensor/tensor.hpp"

namespace plexus::loss {

/// (pred, target) -> scalar loss.
using LossFunction = std::function<Tensor(const Tensor& pred, const Tensor& target)>;

/// What a loss expects as its target.
enum class TargetKind {
  class_indices,  ///< [B] class numbers 0..C-1, with pred [B, C]
  values,         ///< numbers shaped like pred (hinge: -1 or +1)
  probabilities,  ///< numbers in [0, 1] shaped like pred
};

struct LossInfo {
  std::string name;  ///< "cross_entropy"
  std::string description;
  TargetKind target;
};

/// Every loss by_name() knows, in a stable order.
std::vector<LossInfo> registry();
/// The names of registry(), in the same order.
std::vector<std::string> names();
/// The loss `name`. For the element-wise losses (target values or probabilities) a target with
/// the prediction's number of elements is reshaped to its shape, so targets [B] fit predictions
/// [B, 1]. Throws for an unknown name: "unknown loss "l2"; known: mse, mae, ...".
LossFunction by_name(std::string_view name);

/// (pred, target, sample_weight) -> scalar; sample_weight [B] (one per row) or empty (all 1).
using WeightedLossFunction =
    std::function<Tensor(const Tensor& pred, const Tensor& target, const Tensor& sample_weight)>;
/// Whether the loss `name` takes class weights (cross_entropy, nll); throws for an unknown name.
bool takes_class_weights(std::string_view name);
/// The loss `name` as a weighted mean: row i's loss scaled by sample_weight[i] and, with
/// class_weight [C] (cross_entropy and nll only, else it throws), by its class's weight; the mean
/// divides by the sum of those weights (PyTorch's weighted mean), so a row weighted 2 counts as
/// the row twice. Without either weight it is by_name(name).
WeightedLossFunction weighted_by_name(std::string_view name, const Tensor& class_weight = {});
/// The pinball loss at these levels (each in (0, 1)) as a weighted loss of pred [B, Q], Q the
/// number of levels; the registry's "pinball" takes Q evenly spaced levels k / (Q + 1).
WeightedLossFunction weighted_pinball(const std::vector<float>& levels);

}  // namespace plexus::loss
