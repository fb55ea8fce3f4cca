// px::nn::FeatureScale: a learned scale per input feature, y = x * weight (+ bias), weight
// starting at 1 (RealMLP's scaling layer: the network can shrink the features it finds useless
// before the first Linear mixes them). B = batch size, F = num_features.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "plexus/nn/module.hpp"

namespace plexus::nn {

class FeatureScale : public Module {
 public:
  /// weight starts at 1 and bias (when `bias`) at 0: the layer starts as the identity.
  explicit FeatureScale(int64_t num_features, bool bias = false);

  /// x: [B, F] (or [..., F]) -> the same shape
  Tensor forward(const Tensor& x) override;
  /// "FeatureScale(9)", with ", bias=true" when it has a bias
  std::string name() const override;
  std::string type() const override { return "FeatureScale"; }
  /// {num_features, bias}
  LayerSpec spec() const override;

  std::optional<int64_t> in_features() const override { return features_; }
  std::optional<int64_t> out_features() const override { return features_; }

  /// [F], registered as "weight"
  Tensor weight;
  /// [F], registered as "bias"; an empty tensor without a bias
  Tensor bias;

 private:
  int64_t features_;
};

}  // namespace plexus::nn
