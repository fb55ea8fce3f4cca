// px::nn::PeriodicEmbedding: numeric features as [x, a learned function of cos(2 pi (w x + b))]
// (Gorishniy et al. 2022's periodic embeddings in RealMLP's "PBLD" form). B = batch size,
// F = in_features, N = embedded features, K = frequencies, D = embedding_dim.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "plexus/nn/module.hpp"

namespace plexus::nn {

class PeriodicEmbedding : public Module {
 public:
  /// Embeds the inputs at `indices` (strictly increasing, each below in_features). Initialised
  /// as RealMLP does: frequencies from N(0, sigma^2), phases from U(-1/2, 1/2) (a full period),
  /// weight and bias from U(-1/sqrt(K), 1/sqrt(K)) (PyTorch's Linear(K, D) default), all drawn
  /// from one generator seeded by `seed`, or by the next seed of px::manual_seed's sequence.
  PeriodicEmbedding(int64_t in_features, std::vector<int64_t> indices, int64_t frequencies = 16,
                    int64_t embedding_dim = 3, float sigma = 0.1f,
                    std::optional<uint64_t> seed = std::nullopt);

  /// x: [B, F] -> [B, N (1 + D) + F - N]: for each embedded feature j, in index order, the block
  /// [x_j, z_j] with z_j = bias_j + weight_j^T cos(2 pi (x_j frequencies_j + phases_j)); then the
  /// features not embedded, in their order.
  Tensor forward(const Tensor& x) override;
  /// "PeriodicEmbedding(9 -> 13, 2 embedded, 16 frequencies, embedding_dim=3)"
  std::string name() const override;
  std::string type() const override { return "PeriodicEmbedding"; }
  /// {in_features, frequencies, embedding_dim, sigma}, and the list indices
  LayerSpec spec() const override;

  std::optional<int64_t> in_features() const override { return in_features_; }
  std::optional<int64_t> out_features() const override;
  const std::vector<int64_t>& indices() const { return indices_; }

  /// [N, K], registered as "frequencies"
  Tensor frequencies;
  /// [N, K], registered as "phases", in periods (the argument is 2 pi (w x + phase))
  Tensor phases;
  /// [N, K, D], registered as "weight": feature i's linear map from K cosines to D values
  Tensor weight;
  /// [N, D], registered as "bias"
  Tensor bias;

 private:
  int64_t in_features_;
  std::vector<int64_t> indices_;
  int64_t frequencies_;
  int64_t embedding_dim_;
  float sigma_;
};

}  // namespace plexus::nn
