// Optimizers and learning-rate schedules by name, for command lines and model files:
//   auto opt = px::optim::make_optimizer("adam", model.parameters(), {.lr = 1e-3});
//   auto schedule = px::optim::make_schedule("cosine", *opt, {.epochs = 20});
// One table per kind feeds the lookup, the help text (optimizers(), schedules()) and the error for
// an unknown name, which lists every known one.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/optim/optimizer.hpp"
#include "plexus/optim/schedule.hpp"

namespace plexus::optim {

/// The settings every optimizer shares; unset ones take the optimizer's own default.
struct OptimizerSettings {
  std::optional<double> lr;
  std::optional<double> weight_decay;
  /// SGD's and RMSprop's momentum; an error for the others.
  std::optional<double> momentum;
  /// The Adams' (adam, adamw, nadam) decay of the squared-gradient average; an error for the
  /// others. Below 0.999 the step size follows the gradients' scale sooner (RealMLP uses 0.95).
  std::optional<double> beta2;
};

struct OptimizerInfo {
  std::string name;  ///< "adam"
  std::string type;  ///< the class, "Adam"
  double default_lr;
  bool has_momentum;  ///< whether OptimizerSettings::momentum applies
  bool has_beta2;     ///< whether OptimizerSettings::beta2 applies
  std::string description;
};

/// Every optimizer make_optimizer() knows, in a stable order.
std::vector<OptimizerInfo> optimizers();
/// The optimizer `name` over `params`. Throws for an unknown name, listing the known ones.
std::unique_ptr<Optimizer> make_optimizer(std::string_view name, std::vector<Tensor> params,
                                          const OptimizerSettings& settings = {});

/// What a schedule needs to know of the run it shapes.
struct ScheduleSettings {
  size_t epochs = 1;
  /// Batches per epoch; the per-batch schedules (one_cycle) step this many times per epoch.
  size_t steps_per_epoch = 1;
  /// The factor of step, multistep, exponential and plateau; unset: each schedule's default.
  std::optional<double> gamma;
  /// The lowest lr of cosine and cosine_warm_restarts.
  double eta_min = 0.0;
};

struct ScheduleInfo {
  std::string name;  ///< "cosine"
  std::string type;  ///< the class, "CosineAnnealingLR"
  /// Step after every batch instead of after every epoch (LRSchedule::per_batch).
  bool per_batch;
  std::string description;
};

/// Every schedule make_schedule() knows, in a stable order.
std::vector<ScheduleInfo> schedules();
/// The schedule `name` over `optimizer`, sized for settings.epochs (and steps_per_epoch). Throws
/// for an unknown name, listing the known ones.
std::unique_ptr<LRScheduler> make_schedule(std::string_view name, Optimizer& optimizer,
                                           const ScheduleSettings& settings = {});

}  // namespace plexus::optim
