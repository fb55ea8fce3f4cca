// px::nn::Linear: the fully-connected layer y = x W^T + b, laid out as PyTorch's.
// B = batch size, In = input features, Out = output features.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "plexus/nn/module.hpp"

namespace plexus::nn {

class Linear : public Module {
 public:
  /// Initialised as PyTorch does: weight by init::kaiming_uniform_(a = sqrt(5)), which is
  /// U(-1/sqrt(In), 1/sqrt(In)), and bias from the same U(-1/sqrt(In), 1/sqrt(In)). Both are drawn
  /// from one generator seeded by `seed`, or by the next seed of px::manual_seed's sequence.
  Linear(int64_t in_features, int64_t out_features, bool bias = true,
         std::optional<uint64_t> seed = std::nullopt);

  /// x: [B, In] (or [..., In]) -> [B, Out]
  Tensor forward(const Tensor& x) override;
  /// "Linear(784 -> 256)", with ", bias=false" when there is no bias.
  std::string name() const override;
  std::string type() const override { return "Linear"; }
  /// {in_features, out_features, bias}
  LayerSpec spec() const override;

  std::optional<int64_t> in_features() const override { return in_features_; }
  std::optional<int64_t> out_features() const override { return out_features_; }

  /// [Out, In]. Registered as "weight": to load values, write into its data (the handle is shared
  /// with named_parameters()); assigning another tensor to it would not reach the registry.
  Tensor weight;
  /// [Out], registered as "bias"; an empty tensor when constructed with bias = false.
  Tensor bias;

 private:
  int64_t in_features_;
  int64_t out_features_;
};

}  // namespace plexus::nn
