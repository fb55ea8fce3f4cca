// px::nn::BatchNorm1d: batch normalisation (Ioffe & Szegedy) over the batch dimension of [B, C],
// with running statistics for inference, exactly as PyTorch's BatchNorm1d.
// B = batch size, C = features (channels).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "plexus/nn/module.hpp"
#include "plexus/ops/norm.hpp"

namespace plexus::nn {

class BatchNorm1d : public Module {
 public:
  /// weight = 1, bias = 0 (if affine), running_mean = 0, running_var = 1.
  explicit BatchNorm1d(int64_t features, float eps = 1e-5f, float momentum = 0.1f,
                       bool affine = true);

  /// x: [B, C] -> [B, C]; train mode uses (and records) batch statistics, eval mode the running
  /// ones.
  Tensor forward(const Tensor& x) override;
  /// "BatchNorm1d(256)", options listed when not the defaults.
  std::string name() const override;
  std::string type() const override { return "BatchNorm1d"; }
  /// {num_features, eps, momentum, affine}
  LayerSpec spec() const override;
  std::optional<int64_t> in_features() const override { return features_; }
  std::optional<int64_t> out_features() const override { return features_; }

  int64_t features() const { return features_; }

  Tensor weight;               ///< [C], parameter "weight" (empty if not affine)
  Tensor bias;                 ///< [C], parameter "bias" (empty if not affine)
  Tensor running_mean;         ///< [C], buffer "running_mean"
  Tensor running_var;          ///< [C], buffer "running_var"
  Tensor num_batches_tracked;  ///< [], buffer "num_batches_tracked": train-mode forwards so far

 private:
  int64_t features_;
  float eps_;
  float momentum_;
};

}  // namespace plexus::nn
