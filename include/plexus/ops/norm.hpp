// Normalisation ops (src/ops/norm.cpp); their modules are nn::BatchNorm1d and nn::LayerNorm.
// B = batch size, C = features (channels), N = the normalised last dimension.
#pragma once

#include "plexus/tensor/tensor.hpp"

namespace plexus {

/// x: [B, C] -> [B, C];  y = (x - mean) / sqrt(var + eps) * weight + bias (weight, bias: [C] or
/// empty). training: mean and the biased var of the batch (B > 1), and the running statistics,
/// when defined, are updated in place: running = (1 - momentum) running + momentum batch, with the
/// unbiased variance var * B / (B - 1). Otherwise: running_mean and running_var are used.
Tensor batch_norm(const Tensor& x, Tensor running_mean, Tensor running_var,
                  const Tensor& weight = Tensor(), const Tensor& bias = Tensor(),
                  bool training = false, float momentum = 0.1f, float eps = 1e-5f);

/// x: [..., N] -> [..., N];  y = (x - mean) / sqrt(var + eps) * weight + bias, mean and biased var
/// of each row of N values; weight, bias: [N] or empty.
Tensor layer_norm(const Tensor& x, const Tensor& weight = Tensor(), const Tensor& bias = Tensor(),
                  float eps = 1e-5f);

}  // namespace plexus
