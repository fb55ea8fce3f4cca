// EarlyStopping: stop when a monitored value stops improving, optionally putting back the
// best epoch's weights.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "plexus/train/callback.hpp"

namespace plexus::train {

/// EarlyStopping's settings, usable directly in fit's callbacks:
///   .callbacks = {px::train::EarlyStopping{.monitor = "val_loss", .patience = 10}}
/// To read the outcome afterwards (stopped_epoch(), best_epoch()), keep an EarlyStoppingCallback.
struct EarlyStopping {
  std::string monitor = "val_loss";
  /// Epochs without improvement tolerated; training stops after the patience-th such epoch.
  size_t patience = 10;
  /// An improvement must beat the best so far by more than this.
  double min_delta = 0.0;
  Mode mode = Mode::automatic;
  /// At the end of training (early or not) the weights of the best epoch are put back.
  bool restore_best_weights = false;
};

/// The primer's early stopping: keep the best value so far; stop once `patience` epochs in a row
/// fail to improve on it by more than min_delta.
/// `px::train::EarlyStoppingCallback early({.monitor = "val_loss", .patience = 10});`
class EarlyStoppingCallback : public Callback {
 public:
  using Options = EarlyStopping;
  explicit EarlyStoppingCallback(Options options = {});

  void on_train_begin() override;
  void on_epoch_end(size_t epoch, const EpochLog& logs) override;
  void on_train_end(const History& history) override;
  CallbackState state() const override;
  void load_state(const CallbackState& state) override;

  /// The epoch after which training stopped, if it stopped early.
  std::optional<size_t> stopped_epoch() const { return stopped_epoch_; }
  /// The best epoch so far and its monitored value.
  std::optional<size_t> best_epoch() const { return best_epoch_; }
  double best() const { return best_; }
  /// Epochs since the best one.
  size_t wait() const { return wait_; }

 private:
  Options options_;
  bool higher_is_better_ = false;
  double best_ = 0;
  std::optional<size_t> best_epoch_;
  std::optional<size_t> stopped_epoch_;
  size_t wait_ = 0;
  NamedTensors best_weights_;
};

}  // namespace plexus::train
