// px::nn::Ensemble: the mean of several networks' outputs, with its members registered under
// "members.i" so that the state_dict reads as PyTorch's nn.ModuleList would name it.
#include "plexus/nn/ensemble.hpp"

#include <memory>
#include <utility>

#include "base/check.hpp"
#include "plexus/base/text.hpp"
#include "plexus/ops/elementwise.hpp"

namespace plexus::nn {

Ensemble::Ensemble(std::vector<Sequential> members) {
  for (Sequential& member : members) {
    members_.push_back(std::make_shared<Sequential>(std::move(member)));
    register_module("members." + std::to_string(members_.size() - 1), members_.back());
  }
}

Sequential& Ensemble::member(size_t i) {
  PLEXUS_CHECK(i < size(), "Ensemble: member index ", i, " out of range (", size(), " members)");
  return *members_[i];
}

const Sequential& Ensemble::member(size_t i) const {
  return const_cast<Ensemble&>(*this).member(i);
}

Tensor Ensemble::forward(const Tensor& x) {
  PLEXUS_CHECK(!members_.empty(), "Ensemble: has no members");
  Tensor sum;
  for (size_t i = 0; i < members_.size(); ++i) {
    Tensor y;
    try {
      y = members_[i]->forward(x);
    } catch (const Error& e) {
      throw Error("member " + std::to_string(i) + ": " + e.what());
    }
    PLEXUS_CHECK(i == 0 || y.shape() == sum.shape(), "Ensemble: member ", i, " gives ", y.shape(),
                 " but member 0 gives ", sum.shape());
    sum = i == 0 ? y : add(sum, y);
  }
  // NOTE: summed in order, then times 1/K: the ONNX and C exports repeat it to the rounding.
  return members_.size() == 1 ? sum : mul(sum, 1.0f / static_cast<float>(members_.size()));
}

std::string Ensemble::name() const {
  std::vector<std::string> names;
  for (const auto& member : members_) names.push_back(member->name());
  bool alike = true;
  for (const std::string& n : names) alike = alike && n == names.front();
  if (alike && !names.empty())
    return "Ensemble(" + std::to_string(names.size()) + " x " + names.front() + ")";
  return "Ensemble(" + join(names) + ")";
}

LayerSpec Ensemble::spec() const {
  LayerSpec out{type(), {}, {}};
  for (const auto& member : members_) out.children.push_back(member->spec());
  return out;
}

std::optional<int64_t> Ensemble::in_features() const {
  return members_.empty() ? std::nullopt : members_.front()->in_features();
}

std::optional<int64_t> Ensemble::out_features() const {
  return members_.empty() ? std::nullopt : members_.front()->out_features();
}

}  // namespace plexus::nn
