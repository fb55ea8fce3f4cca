// Normalisation ops (src/ops/norm.cpp); their modules are nn::BatchNorm1d and nn::LayerNorm.
// B = batch size, C = features (channels), N = the normalised last dimension.
#pragma once

#include <span>

#include "plexus/tensor/tensor.hpp"

namespace plexus {

/// Sums batch norm's per-channel statistics over the processes of data-parallel training
/// (synchronised batch norm): while one is set, batch_norm in training normalises by the mean and
/// variance of the global batch, and its backward by the global sums of dy and dy * xhat. ops does
/// not know how the sum is taken; px::distributed provides one.
class BatchStatisticsReducer {
 public:
  virtual ~BatchStatisticsReducer() = default;
  /// Replaces each value by its sum over all processes; every process must get the same bits.
  virtual void sum(std::span<double> values) = 0;
};

/// The reducer set on this thread, or nullptr (statistics of the local batch).
BatchStatisticsReducer* batch_statistics_reducer();

/// Sets batch_statistics_reducer() on this thread while it lives.
class BatchStatisticsReducerGuard {
 public:
  explicit BatchStatisticsReducerGuard(BatchStatisticsReducer* reducer);
  ~BatchStatisticsReducerGuard();
  BatchStatisticsReducerGuard(const BatchStatisticsReducerGuard&) = delete;
  BatchStatisticsReducerGuard& operator=(const BatchStatisticsReducerGuard&) = delete;

 private:
  BatchStatisticsReducer* previous_;
};

/// x: [B, C] -> [B, C];  y = (x - mean) / sqrt(var + eps) * weight + bias (weight, bias: [C] or
/// empty). training: mean and the biased var of the batch (B > 1), and the running statistics,
/// when defined, are updated in place: running = (1 - momentum) running + momentum batch, with the
/// unbiased variance var * B / (B - 1). Otherwise: running_mean and running_var are used.
/// With a batch_statistics_reducer() set, B and the statistics are those of the global batch.
Tensor batch_norm(const Tensor& x, Tensor running_mean, Tensor running_var,
                  const Tensor& weight = Tensor(), const Tensor& bias = Tensor(),
                  bool training = false, float momentum = 0.1f, float eps = 1e-5f);

/// x: [..., N] -> [..., N];  y = (x - mean) / sqrt(var + eps) * weight + bias, mean and biased var
/// of each row of N values; weight, bias: [N] or empty.
Tensor layer_norm(const Tensor& x, const Tensor& weight = Tensor(), const Tensor& bias = Tensor(),
                  float eps = 1e-5f);

}  // namespace plexus
