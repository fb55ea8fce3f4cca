// ModelCheckpoint: save the model's state after epochs that improve a monitored value (or
// after every epoch).
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

#include "plexus/train/callback.hpp"

namespace plexus::train {

/// ModelCheckpoint's settings, usable directly in fit's callbacks:
///   .callbacks = {px::train::ModelCheckpoint{.path = "best.safetensors", .monitor = "val_loss"}}
struct ModelCheckpoint {
  /// Where the state goes (safetensors); "{epoch}" in it becomes the epoch number (from 1).
  std::filesystem::path path;
  std::string monitor = "val_loss";
  /// Save only epochs that improve on the best so far; false: save every epoch.
  bool save_best_only = true;
  Mode mode = Mode::automatic;
};

/// Saves the model's parameters and buffers with io::save_state_dict, atomically, so an interrupted
/// run always leaves a whole checkpoint.
class ModelCheckpointCallback : public Callback {
 public:
  using Options = ModelCheckpoint;
  explicit ModelCheckpointCallback(Options options);

  void on_train_begin() override;
  void on_epoch_end(size_t epoch, const EpochLog& logs) override;
  CallbackState state() const override;
  void load_state(const CallbackState& state) override;

  /// The epoch saved last, if any, and its file.
  std::optional<size_t> saved_epoch() const { return saved_epoch_; }
  const std::filesystem::path& saved_path() const { return saved_path_; }

 private:
  Options options_;
  bool higher_is_better_ = false;
  std::optional<double> best_;
  std::optional<size_t> saved_epoch_;
  std::filesystem::path saved_path_;
};

}  // namespace plexus::train
