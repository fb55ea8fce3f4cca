// Embeddings: of numeric features (src/ops/embedding.cpp; the module is nn::PeriodicEmbedding) and
// the lookup of categories in a table (src/ops/embedding_lookup.cpp; nn::CategoricalEmbedding).
// B = batch size, F = input features, N = embedded features, K = frequencies, D = embedding width,
// V = rows of a lookup table.
#pragma once

#include <cstdint>
#include <span>

#include "plexus/tensor/tensor.hpp"

namespace plexus {

/// The circle constant of the periodic embedding's argument, as a float: 2 pi rounded once, so
/// that plexus, the ONNX and the C export multiply by the same number.
inline constexpr float kTwoPi = 6.28318531f;

/// x: [B, F] -> [B, N (1 + D) + F - N]. For the i-th embedded feature j = indices[i]:
///   p_m = cos(2 pi (x_j frequencies[i, m] + phases[i, m])),  m < K
///   z_e = bias[i, e] + sum_m p_m weight[i, m, e],             e < D
/// and its block of the output is [x_j, z_0, ..., z_(D-1)]. The blocks come first, in the order
/// of `indices` (strictly increasing), then the features not embedded, in their order.
/// frequencies, phases: [N, K]; weight: [N, K, D]; bias: [N, D].
Tensor periodic_embedding(const Tensor& x, std::span<const int64_t> indices,
                          const Tensor& frequencies, const Tensor& phases, const Tensor& weight,
                          const Tensor& bias);

/// torch.nn.functional.embedding: input (any shape, whole numbers 0..V-1 held as floats);
/// weight: [V, D] -> input.shape + [D], row input[i] of weight for each element. The gradient
/// scatter-adds into weight's rows; the indices get none. An index that is not a row is an error.
Tensor embedding(const Tensor& input, const Tensor& weight);

}  // namespace plexus
