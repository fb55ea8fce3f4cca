// The LR range test (Smith 2015, "Cyclical Learning Rates"; fast.ai's lr_find): train for a few
// steps while the learning rate grows exponentially, record the loss at each rate, and suggest
// the rate where the loss falls fastest. It needs no model type: only an optimizer and a function
// that computes one loss and its gradients.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#include "plexus/optim/optimizer.hpp"

namespace plexus::optim {

struct LRRangeTestOptions {
  double start_lr = 1e-7;
  double end_lr = 10.0;
  size_t steps = 100;  ///< lr_k = start_lr (end_lr / start_lr)^(k / (steps - 1)), k = 0 .. steps-1
  /// Weight of the new loss in the running average: s_k = smoothing loss_k + (1 - smoothing)
  /// s_{k-1}.
  double smoothing = 0.05;
  /// Stop once the smoothed loss exceeds divergence times the lowest one so far (or is not finite).
  double divergence = 4.0;
};

struct LRRangeTestResult {
  std::vector<double> lrs;     ///< the rates tried, one per step taken
  std::vector<double> losses;  ///< the smoothed loss at each rate (the diverging one included)
  /// The rate at the steepest fall of the smoothed loss against log(lr): the interior point k with
  /// the most negative central difference (s_{k+1} - s_{k-1}) / (log lr_{k+1} - log lr_{k-1}).
  /// NaN when fewer than three points were recorded or the loss never fell.
  double suggested_lr = 0.0;
};

/// For each rate: optimizer.set_lr(lr_k) (every group), optimizer.zero_grad(), loss_k =
/// step_loss(), optimizer.step(). step_loss computes the loss on the next batch and calls
/// backward() on it; it must call neither zero_grad() nor step(). loss_k is thus measured before
/// the update with lr_k. Losses are assumed positive (the divergence test compares ratios).
/// Afterwards the parameters, the optimizer's state and its learning rates are restored, so the
/// test leaves training where it was (buffers such as BatchNorm's running statistics are not
/// restored).
LRRangeTestResult lr_range_test(Optimizer& optimizer, const std::function<float()>& step_loss,
                                const LRRangeTestOptions& options = {});

}  // namespace plexus::optim
