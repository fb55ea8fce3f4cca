// The LR range test: an exponential sweep of the learning rate with a smoothed loss, then the
// optimizer and parameters put back as they were.
#include "plexus/optim/lr_range_test.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "base/check.hpp"

namespace plexus::optim {
namespace {

double steepest_descent_lr(const std::vector<double>& lrs, const std::vector<double>& losses) {
  double best_slope = 0.0;
  double suggested = std::numeric_limits<double>::quiet_NaN();
  for (size_t k = 1; k + 1 < losses.size(); ++k) {
    const double slope =
        (losses[k + 1] - losses[k - 1]) / (std::log(lrs[k + 1]) - std::log(lrs[k - 1]));
    if (slope < best_slope) {
      best_slope = slope;
      suggested = lrs[k];
    }
  }
  return suggested;
}

}  // namespace

LRRangeTestResult lr_range_test(Optimizer& optimizer, const std::function<float()>& step_loss,
                                const LRRangeTestOptions& options) {
  PLEXUS_CHECK(options.start_lr > 0.0 && options.end_lr > options.start_lr,
               "lr_range_test: need 0 < start_lr < end_lr (got start_lr = ", options.start_lr,
               ", end_lr = ", options.end_lr, ")");
  PLEXUS_CHECK(options.steps >= 2, "lr_range_test: invalid steps = ", options.steps,
               "; it must be >= 2");
  PLEXUS_CHECK(options.smoothing > 0.0 && options.smoothing <= 1.0,
               "lr_range_test: invalid smoothing = ", options.smoothing, "; it must be in (0, 1]");
  PLEXUS_CHECK(options.divergence > 1.0, "lr_range_test: invalid divergence = ", options.divergence,
               "; it must be > 1");

  // What to put back afterwards: the state (with the groups' lrs) and every parameter's values.
  const StateDict saved_state = optimizer.state_dict();
  std::vector<Tensor> saved_params;
  for (const Optimizer::Group& group : optimizer.groups())
    for (const Tensor& param : group.params) saved_params.push_back(param.clone());

  auto restore = [&] {
    optimizer.zero_grad();
    NoGradGuard no_grad;
    size_t i = 0;
    for (Optimizer::Group& group : optimizer.groups())
      for (Tensor& param : group.params) {
        std::copy_n(saved_params[i].data(), param.numel(), param.data());
        ++i;
      }
    optimizer.load_state_dict(saved_state);
  };

  LRRangeTestResult result;
  const double ratio = options.end_lr / options.start_lr;
  double smoothed = 0.0;
  double lowest = std::numeric_limits<double>::infinity();
  try {
    for (size_t k = 0; k < options.steps; ++k) {
      const double lr =
          options.start_lr *
          std::pow(ratio, static_cast<double>(k) / static_cast<double>(options.steps - 1));
      optimizer.set_lr(lr);
      optimizer.zero_grad();
      const double loss = step_loss();
      optimizer.step();
      smoothed = k == 0 ? loss : options.smoothing * loss + (1.0 - options.smoothing) * smoothed;
      result.lrs.push_back(lr);
      result.losses.push_back(smoothed);
      if (!std::isfinite(smoothed) || smoothed > options.divergence * lowest) break;
      lowest = std::min(lowest, smoothed);
    }
  } catch (...) {
    restore();  // a throwing step_loss leaves training where it was, too
    throw;
  }
  restore();
  result.suggested_lr = steepest_descent_lr(result.lrs, result.losses);
  return result;
}

}  // namespace plexus::optim
