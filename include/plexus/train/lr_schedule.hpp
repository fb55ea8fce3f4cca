// LRSchedule: step a learning-rate schedule during fit(), per epoch or per batch.
#pragma once

#include <cstddef>
#include <string>

#include "plexus/train/callback.hpp"

namespace plexus::optim {
class LRScheduler;
}

namespace plexus::train {

/// LRSchedule's settings, usable directly in fit's callbacks:
///   .callbacks = {px::train::LRSchedule{.scheduler = &schedule, .monitor = "loss"}}
/// The caller keeps the scheduler alive.
struct LRSchedule {
  optim::LRScheduler* scheduler = nullptr;
  /// The value passed to schedules that watch a metric (ReduceLROnPlateau).
  std::string monitor = "val_loss";
  /// Step after every batch (OneCycleLR) instead of after every epoch.
  bool per_batch = false;
};

/// Steps a learning-rate schedule during fit(): scheduler.step() after each epoch (or batch), or
/// scheduler.step(logs[monitor]) for ReduceLROnPlateau.
class LRScheduleCallback : public Callback {
 public:
  using Options = LRSchedule;
  explicit LRScheduleCallback(Options options);
  /// The same with options.scheduler = &scheduler.
  explicit LRScheduleCallback(optim::LRScheduler& scheduler, Options options = {});

  void on_batch_end(size_t step, const BatchLog& log) override;
  void on_epoch_end(size_t epoch, const EpochLog& logs) override;
  /// The schedule's own state_dict().
  CallbackState state() const override;
  void load_state(const CallbackState& state) override;

 private:
  Options options_;
};

}  // namespace plexus::train
