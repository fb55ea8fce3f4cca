// Learning-rate schedules: each sets its optimizer's group learning rates once per step() (per
// epoch, or per batch for OneCycleLR), reproducing torch.optim.lr_scheduler of PyTorch 1.13 value
// for value, including its recursive ("chainable") forms. Building a schedule counts as its
// epoch 0: it sets the learning rate of epoch 0 at once, as PyTorch's constructors do.
// Call optimizer.step() for the epoch first, then schedule.step().
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "plexus/optim/optimizer.hpp"

namespace plexus::optim {

/// The common base: step() moves to the next epoch and writes each group's lr.
class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  /// Advances one epoch (one batch for OneCycleLR) and sets the optimizer's learning rates.
  virtual void step();
  /// The same for schedules that watch a metric (ReduceLROnPlateau); the others ignore `metric`,
  /// so a training loop may pass its validation loss to any schedule.
  virtual void step(double metric);
  /// Whether step(metric) is the call to make (ReduceLROnPlateau).
  virtual bool needs_metric() const { return false; }

  /// The learning rate of each group after the last step (or after construction).
  const std::vector<double>& last_lr() const { return last_lr_; }
  /// The epoch the learning rates are for: 0 after construction, +1 per step().
  int64_t last_epoch() const { return last_epoch_; }

  /// Where the schedule stands, as named numbers (last_epoch, base_lr.<g>, last_lr.<g>, and a
  /// schedule's own counters), for checkpoints; the optimizer's state holds the current lrs.
  virtual NamedScalars state_dict() const;
  /// Restores a state_dict() of a schedule of the same kind over as many groups; throws naming a
  /// missing entry.
  virtual void load_state_dict(const NamedScalars& state);

 protected:
  /// Remembers each group's current lr as its base lr.
  explicit LRScheduler(Optimizer& optimizer);
  /// Group `group`'s lr for epoch last_epoch_ (already advanced), given its current lr.
  virtual double compute_lr(size_t group, double current_lr) = 0;
  /// Writes compute_lr() into every group and records last_lr().
  void apply();

  Optimizer& optimizer_;
  std::vector<double> base_lrs_;
  int64_t last_epoch_ = -1;

 private:
  std::vector<double> last_lr_;
};

/// lr = base gamma^(epoch / step_size): multiplied by gamma every step_size epochs.
class StepLR final : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1);

 private:
  double compute_lr(size_t group, double current_lr) override;
  int64_t step_size_;
  double gamma_;
};

/// lr multiplied by gamma at each milestone epoch (a milestone listed twice counts twice).
class MultiStepLR final : public LRScheduler {
 public:
  MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma = 0.1);

 private:
  double compute_lr(size_t group, double current_lr) override;
  std::vector<int64_t> milestones_;
  double gamma_;
};

/// lr = base gamma^epoch.
class ExponentialLR final : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma);

 private:
  double compute_lr(size_t group, double current_lr) override;
  double gamma_;
};

/// lr = eta_min + (base - eta_min)(1 + cos(pi epoch / T_max)) / 2, computed recursively from the
/// previous lr as PyTorch 1.13 does. NOTE: it does not stop at T_max: past it the lr climbs back
/// up (period 2 T_max), as in PyTorch.
class CosineAnnealingLR final : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min = 0.0);

 private:
  double compute_lr(size_t group, double current_lr) override;
  int64_t T_max_;
  double eta_min_;
};

/// SGDR: lr = eta_min + (base - eta_min)(1 + cos(pi T_cur / T_i)) / 2, where T_cur counts the
/// epochs since the last restart and T_i (first T_0) is multiplied by T_mult at each restart.
class CosineAnnealingWarmRestarts final : public LRScheduler {
 public:
  CosineAnnealingWarmRestarts(Optimizer& optimizer, int64_t T_0, int64_t T_mult = 1,
                              double eta_min = 0.0);
  using LRScheduler::step;
  void step() override;
  NamedScalars state_dict() const override;
  void load_state_dict(const NamedScalars& state) override;

 private:
  double compute_lr(size_t group, double current_lr) override;
  int64_t T_i_;
  int64_t T_mult_;
  int64_t T_cur_ = 0;
  double eta_min_;
};

/// Linear warm-up: the factor on the base lr goes from start_factor to end_factor over
/// total_iters epochs, then stays at end_factor.
class LinearLR final : public LRScheduler {
 public:
  LinearLR(Optimizer& optimizer, double start_factor = 1.0 / 3.0, double end_factor = 1.0,
           int64_t total_iters = 5);

 private:
  double compute_lr(size_t group, double current_lr) override;
  double start_factor_;
  double end_factor_;
  int64_t total_iters_;
};

enum class AnnealStrategy { cos, linear };

struct OneCycleLROptions {
  double pct_start = 0.3;  ///< fraction of the steps spent raising the lr
  AnnealStrategy anneal_strategy = AnnealStrategy::cos;
  bool cycle_momentum = true;  ///< only where the optimizer has_momentum()
  double base_momentum = 0.85;
  double max_momentum = 0.95;
  double div_factor = 25.0;       ///< initial lr = max_lr / div_factor
  double final_div_factor = 1e4;  ///< final lr = initial lr / final_div_factor
  bool three_phase = false;       ///< fast.ai's third phase: back to the initial lr, then down
};

/// The 1cycle policy, stepped once per batch: the lr rises from max_lr / div_factor to max_lr over
/// pct_start of total_steps, then anneals to initial_lr / final_div_factor at step total_steps;
/// momentum (SGD, RMSprop) or beta1 (the Adams) runs the other way, max -> base -> max.
/// It overrides the optimizer's lr. Optimizers without momentum (Adagrad, Adadelta, SGD built with
/// momentum 0) have their lr cycled only. step() may be called total_steps times.
class OneCycleLR final : public LRScheduler {
 public:
  using Options = OneCycleLROptions;
  OneCycleLR(Optimizer& optimizer, double max_lr, int64_t total_steps, const Options& options = {});

 private:
  struct Phase {
    double end_step;  // the phase runs from the previous phase's end_step (0 first) to this one
    double start_lr, end_lr;
    double start_momentum, end_momentum;
  };
  double compute_lr(size_t group, double current_lr) override;
  double anneal(double start, double end, double pct) const;

  int64_t total_steps_;
  Options options_;
  bool cycle_momentum_;
  std::vector<Phase> phases_;
};

/// Cosine cycles on a logarithmic time axis, stepped once per batch (RealMLP's "coslog4"):
/// lr = base (1 - cos(2 pi log2(1 + (2^cycles - 1) t))) / 2 with t = step / total_steps, so each
/// cycle warms up from 0 to the base lr and anneals back to 0, and every cycle is longer than
/// the one before; the run ends at lr 0. No PyTorch class; LambdaLR with this factor is the same.
class CosLogLR final : public LRScheduler {
 public:
  CosLogLR(Optimizer& optimizer, int64_t total_steps, int64_t cycles = 4);

 private:
  double compute_lr(size_t group, double current_lr) override;
  int64_t total_steps_;
  int64_t cycles_;
};

enum class PlateauMode { min, max };
enum class ThresholdMode { rel, abs };

struct ReduceLROnPlateauOptions {
  PlateauMode mode = PlateauMode::min;  ///< min: the metric should fall (a loss); max: rise
  double factor = 0.1;                  ///< new lr = lr * factor
  int64_t patience = 10;  ///< epochs without improvement tolerated before the lr is cut
  double threshold = 1e-4;
  /// rel: better means below best (1 - threshold) (min) or above best (1 + threshold) (max);
  /// abs: below best - threshold or above best + threshold.
  ThresholdMode threshold_mode = ThresholdMode::rel;
  int64_t cooldown = 0;  ///< epochs after a cut during which bad epochs are not counted
  double min_lr = 0.0;
  double eps = 1e-8;  ///< a cut smaller than this is skipped
};

/// Cuts the lr by `factor` once the metric has not improved for more than `patience` epochs:
/// torch.optim.lr_scheduler.ReduceLROnPlateau. Call step(metric) once per epoch.
class ReduceLROnPlateau final : public LRScheduler {
 public:
  using Options = ReduceLROnPlateauOptions;
  explicit ReduceLROnPlateau(Optimizer& optimizer, const Options& options = {});

  /// Throws: this schedule needs the metric.
  void step() override;
  void step(double metric) override;
  bool needs_metric() const override { return true; }

  double best() const { return best_; }
  int64_t num_bad_epochs() const { return num_bad_epochs_; }
  NamedScalars state_dict() const override;
  void load_state_dict(const NamedScalars& state) override;

 private:
  double compute_lr(size_t group, double current_lr) override;
  bool is_better(double metric) const;

  Options options_;
  double best_;
  int64_t num_bad_epochs_ = 0;
  int64_t cooldown_counter_ = 0;
  bool reducing_ = false;
};

}  // namespace plexus::optim
