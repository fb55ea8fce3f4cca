// Embeddings of numeric features (src/ops/embedding.cpp); the module is nn::PeriodicEmbedding.
// B = batch size, F = input features, N = embedded features, K = frequencies, D = embedding width.
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

}  // namespace plexus
