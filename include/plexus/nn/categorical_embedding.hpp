// px::nn::CategoricalEmbedding: input columns that hold category indices become learned vectors
// (one table row per category, as torch.nn.Embedding), the other columns pass through. The
// categorical counterpart of PeriodicEmbedding, for columns with too many categories to one-hot.
// B = batch size, F = in_features, N = embedded inputs, V = num_embeddings (the rows of all the
// inputs' tables together), D = embedding_dim.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "plexus/nn/module.hpp"

namespace plexus::nn {

class CategoricalEmbedding : public Module {
 public:
  /// Embeds the inputs at `indices` (strictly increasing, each below in_features; empty: every
  /// input); input indices[i] holds a category 0..cardinalities[i]-1 as a float. The tables sit
  /// one after another in one weight (rtdl's layout), so num_embeddings = sum(cardinalities);
  /// empty cardinalities split num_embeddings evenly. Initialised as rtdl does, U(-1/sqrt(D),
  /// 1/sqrt(D)) (torch.nn.Embedding's N(0, 1) measured worse: bench/TABULAR.md), but the last
  /// row of each input's table starts at 0: preprocessing sends categories unseen in training
  /// there (no training row reaches it, so it stays 0 and adds nothing, as one-hot's all-zero
  /// encoding of an unseen category). Drawn from one generator seeded by `seed`, or by the next
  /// seed of px::manual_seed's sequence.
  CategoricalEmbedding(int64_t in_features, int64_t num_embeddings, int64_t embedding_dim = 8,
                       std::vector<int64_t> indices = {}, std::vector<int64_t> cardinalities = {},
                       std::optional<uint64_t> seed = std::nullopt);

  /// x: [B, F] -> [B, N D + F - N]: the rows of the embedded inputs' categories, in index order,
  /// then the inputs not embedded, in their order. A value that is not one of its input's
  /// categories is an error naming the input.
  Tensor forward(const Tensor& x) override;
  /// "CategoricalEmbedding(5 -> 20, 2 embedded, 1450 categories, embedding_dim=8)"
  std::string name() const override;
  std::string type() const override { return "CategoricalEmbedding"; }
  /// {in_features, num_embeddings, embedding_dim}, and the lists indices and cardinalities
  LayerSpec spec() const override;

  std::optional<int64_t> in_features() const override { return in_features_; }
  std::optional<int64_t> out_features() const override;
  const std::vector<int64_t>& indices() const { return indices_; }
  const std::vector<int64_t>& cardinalities() const { return cardinalities_; }
  /// Where input indices[i]'s table starts in weight: the sum of the cardinalities before it.
  const std::vector<int64_t>& offsets() const { return offsets_; }
  /// The inputs passed through, in order.
  const std::vector<int64_t>& passed() const { return passed_; }
  /// For each input, its first output: the start of its block when embedded.
  std::vector<int64_t> output_positions() const;

  /// [V, D], registered as "weight": input indices[i]'s category c is row offsets[i] + c
  Tensor weight;

 private:
  int64_t in_features_;
  int64_t embedding_dim_;
  std::vector<int64_t> indices_, cardinalities_, offsets_, passed_;
};

}  // namespace plexus::nn
