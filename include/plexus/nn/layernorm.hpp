// px::nn::LayerNorm: layer normalisation (Ba et al.) of each sample over its last dimension, as
// PyTorch's LayerNorm with a one-dimensional normalized_shape. No running statistics: the same
// computation in train and eval mode. N = features (the last dimension).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "plexus/nn/module.hpp"
#include "plexus/ops/norm.hpp"

namespace plexus::nn {

class LayerNorm : public Module {
 public:
  /// weight = 1, bias = 0 (if elementwise_affine).
  explicit LayerNorm(int64_t features, float eps = 1e-5f, bool elementwise_affine = true);

  /// x: [..., N] -> [..., N]
  Tensor forward(const Tensor& x) override;
  /// "LayerNorm(6)", options listed when not the defaults.
  std::string name() const override;
  std::string type() const override { return "LayerNorm"; }
  /// {normalized_shape, eps, elementwise_affine}
  LayerSpec spec() const override;
  std::optional<int64_t> in_features() const override { return features_; }
  std::optional<int64_t> out_features() const override { return features_; }

  int64_t features() const { return features_; }

  Tensor weight;  ///< [N], parameter "weight" (empty without elementwise_affine)
  Tensor bias;    ///< [N], parameter "bias" (empty without elementwise_affine)

 private:
  int64_t features_;
  float eps_;
};

}  // namespace plexus::nn
