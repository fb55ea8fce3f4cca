// px::nn::Ensemble: networks of the same inputs and outputs whose outputs are averaged. For a
// classifier that is the mean of the members' logits, so the ensemble's probabilities are the
// softmax of the mean logits. Its members are children named "members.0", "members.1", ..., so
// its state_dict names are those of a PyTorch module that keeps them in an nn.ModuleList called
// `members` ("members.3.2.weight"); docs/MODEL_FORMAT.md has that class.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "plexus/nn/module.hpp"
#include "plexus/nn/sequential.hpp"

namespace plexus::nn {

class Ensemble : public Module {
 public:
  /// The members share their tensors with the networks given (a Sequential copies handles).
  explicit Ensemble(std::vector<Sequential> members = {});

  /// x: [B, In] -> [B, Out], the mean of the members' outputs (summed in order, times 1/K).
  Tensor forward(const Tensor& x) override;
  /// "Ensemble(3 x Sequential(Linear(4 -> 8), ReLU(), Linear(8 -> 2)))" when the members are
  /// alike, else every member's name.
  std::string name() const override;
  std::string type() const override { return "Ensemble"; }
  /// No arguments; every member's spec in children.
  LayerSpec spec() const override;
  /// The first member's (every member takes the same inputs and gives the same outputs).
  std::optional<int64_t> in_features() const override;
  std::optional<int64_t> out_features() const override;

  size_t size() const { return members_.size(); }
  /// Member i; throws if i >= size().
  Sequential& member(size_t i);
  const Sequential& member(size_t i) const;

 private:
  std::vector<std::shared_ptr<Sequential>> members_;
};

}  // namespace plexus::nn
